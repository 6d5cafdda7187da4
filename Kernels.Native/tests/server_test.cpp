// The wire protocol over a pipe: handshake, typed errors, and an executor that stays up after each.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

#include "executor/frame_io.h"
#include "executor/npy.h"
#include "dsx/error.h"
#include "executor/server.h"
#include "graph_builder.h"

namespace dsx::testing {
namespace {

class Wire : public ::testing::Test {
protected:
    void SetUp() override { start(""); }
    void start(const std::string& token) {
        ASSERT_EQ(pipe(to_server_), 0);
        ASSERT_EQ(pipe(from_server_), 0);
        server_thread_ = std::thread([this, token] {
            FrameIo io(to_server_[0], from_server_[1], 1 << 20);
            Server server(session_, token);
            end_ = server.serve(io);
            close(from_server_[1]);
        });
        client_ = std::make_unique<FrameIo>(from_server_[0], to_server_[1], 64 << 20);
    }
    void TearDown() override {
        close(to_server_[1]);
        server_thread_.join();
        close(to_server_[0]);
        close(from_server_[0]);
    }
    wire::Response call(const wire::Request& r) { return raw(r.SerializeAsString()); }
    wire::Response raw(const std::string& bytes) {
        EXPECT_TRUE(client_->write(bytes));
        std::string payload;
        uint64_t size = 0;
        EXPECT_EQ(client_->read(payload, size), FrameStatus::Ok);
        wire::Response resp;
        EXPECT_TRUE(resp.ParseFromString(payload));
        return resp;
    }
    wire::Response hello(uint32_t version = 1, const std::string& token = "") {
        wire::Request r;
        r.set_id(1);
        r.mutable_hello()->set_protocol_version(version);
        r.mutable_hello()->set_token(token);
        return call(r);
    }
    wire::Response ping(uint64_t id) {
        wire::Request r;
        r.set_id(id);
        r.mutable_ping();
        return call(r);
    }

    Session session_{Session::Options{}};
    int to_server_[2], from_server_[2];
    std::thread server_thread_;
    std::unique_ptr<FrameIo> client_;
    Server::End end_ = Server::End::PeerClosed;
};

TEST_F(Wire, HelloReportsCapabilities) {
    wire::Response r = hello();
    ASSERT_TRUE(r.has_hello()) << r.DebugString();
    EXPECT_EQ(r.hello().protocol_version(), 1u);
    EXPECT_GT(r.hello().cores(), 0);
    EXPECT_FALSE(r.hello().isa().empty());
    // The CPU model is part of the ISA string, so tables from another host are recognised as stale.
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);) {
        if (line.rfind("model name", 0) != 0) continue;
        EXPECT_NE(r.hello().isa().find(line.substr(line.find(':') + 2)), std::string::npos) << r.hello().isa();
        break;
    }
    bool has_ref = false;
    for (const auto& p : r.hello().primitives()) has_ref |= p.name() == "ref";
    EXPECT_TRUE(has_ref);
}

TEST_F(Wire, RequestsBeforeHelloAreRefused) {
    wire::Response r = ping(5);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().code(), wire::HANDSHAKE_REQUIRED);
    EXPECT_EQ(r.id(), 5u);
}

TEST_F(Wire, UnknownVersionIsRefusedThenAGoodHelloWorks) {
    wire::Response r = hello(99);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().code(), wire::VERSION_MISMATCH);
    EXPECT_TRUE(hello().has_hello());
}

TEST_F(Wire, MalformedFrameIsATypedErrorAndTheExecutorStaysUp) {
    hello();
    wire::Response r = raw(std::string("\xff\xff\xff\x07garbage", 11));
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().code(), wire::MALFORMED_FRAME);
    EXPECT_TRUE(ping(2).has_pong());
}

TEST_F(Wire, OversizedFrameIsSkippedAndReported) {
    hello();
    wire::Response r = raw(std::string((1 << 20) + 10, 'x'));
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().code(), wire::FRAME_TOO_LARGE);
    EXPECT_TRUE(ping(3).has_pong());
}

TEST_F(Wire, LoadMeasureAndUnsupportedChoice) {
    hello();
    wire::Request load;
    load.set_id(2);
    load.mutable_load_model()->set_hash("h");
    *load.mutable_load_model()->mutable_graph() = small_network();
    wire::Response loaded = call(load);
    ASSERT_TRUE(loaded.has_loaded()) << loaded.DebugString();
    EXPECT_FALSE(loaded.loaded().cached());
    load.mutable_load_model()->clear_graph();
    EXPECT_TRUE(call(load).loaded().cached());

    wire::Request m;
    m.set_id(3);
    m.mutable_measure()->set_model_hash("h");
    m.mutable_measure()->set_repeats(2);
    wire::Response measured = call(m);
    ASSERT_TRUE(measured.has_measured()) << measured.DebugString();
    EXPECT_EQ(measured.measured().layers_size(), 10);
    EXPECT_LE(measured.measured().start_unix_ns(), measured.measured().end_unix_ns());

    (*m.mutable_measure()->mutable_plan()->mutable_layers())["n1"].set_primitive("warp_drive");
    wire::Response refused = call(m);
    ASSERT_TRUE(refused.has_error());
    EXPECT_EQ(refused.error().code(), wire::UNSUPPORTED_CHOICE);
    EXPECT_EQ(refused.error().layer(), "n1");
    EXPECT_EQ(refused.error().primitive(), "warp_drive");
    EXPECT_TRUE(ping(4).has_pong());
}

TEST_F(Wire, MeasuringAnUnknownModelIsATypedError) {
    hello();
    wire::Request m;
    m.set_id(3);
    m.mutable_measure()->set_model_hash("never-loaded");
    wire::Response r = call(m);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().code(), wire::MODEL_NOT_LOADED);
}

TEST_F(Wire, ShutdownEndsTheSession) {
    hello();
    wire::Request r;
    r.set_id(9);
    r.mutable_shutdown();
    EXPECT_TRUE(call(r).has_bye());
    server_thread_.join();
    EXPECT_EQ(end_, Server::End::Shutdown);
    server_thread_ = std::thread([] {});
}

class TokenWire : public Wire {
protected:
    void SetUp() override { start("s3cret"); }
};

TEST_F(TokenWire, WrongTokenIsRefusedAndTheConnectionClosed) {
    wire::Response r = hello(1, "guess");
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().code(), wire::UNAUTHORIZED);
    server_thread_.join();
    EXPECT_EQ(end_, Server::End::Refused);
    server_thread_ = std::thread([] {});
}

TEST_F(TokenWire, RightTokenIsAccepted) { EXPECT_TRUE(hello(1, "s3cret").has_hello()); }

TEST_F(TokenWire, ARequestBeforeHelloIsRefusedAndTheConnectionClosed) {
    wire::Response r = ping(4);
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().code(), wire::HANDSHAKE_REQUIRED);
    server_thread_.join();
    EXPECT_EQ(end_, Server::End::Refused);
    server_thread_ = std::thread([] {});
}

TEST_F(TokenWire, GarbageInsteadOfHelloGetsNoFurther) {
    wire::Response r = raw("not a request");
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error().code(), wire::MALFORMED_FRAME);
    r = ping(5);
    EXPECT_EQ(r.error().code(), wire::HANDSHAKE_REQUIRED);
    server_thread_.join();
    EXPECT_EQ(end_, Server::End::Refused);
    server_thread_ = std::thread([] {});
}

wire::Request load_request(const wire::Graph& graph) {
    wire::Request load;
    load.set_id(2);
    load.mutable_load_model()->set_hash("big");
    *load.mutable_load_model()->mutable_graph() = graph;
    return load;
}

TEST_F(Wire, ShapesWhoseSizeOverflowsAreRefusedAsBadModel) {
    hello();
    wire::Graph g = small_network();
    g.mutable_inputs(0)->set_shape(2, int64_t{1} << 40);
    g.mutable_inputs(0)->set_shape(3, int64_t{1} << 40);
    wire::Response r = call(load_request(g));
    ASSERT_TRUE(r.has_error()) << r.DebugString();
    EXPECT_EQ(r.error().code(), wire::BAD_MODEL);
    EXPECT_NE(r.error().message().find("elements"), std::string::npos) << r.error().message();
    EXPECT_TRUE(ping(3).has_pong());
}

TEST(ModelSize, AModelOverTheLimitIsRefusedBeforeAnyAllocation) {
    Session::Options options;
    options.max_model_bytes = 1 << 20;
    Session session(options);
    wire::Graph g = small_network();
    g.mutable_inputs(0)->set_shape(2, 1024);  // about 3072 x 1024 floats per activation: tens of MiB
    g.mutable_inputs(0)->set_shape(3, 1024);
    try {
        session.load(load_request(g).load_model());
        FAIL() << "loaded";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::BadModel);
        EXPECT_NE(std::string(e.what()).find("--max-model-mb"), std::string::npos) << e.what();
    }
    EXPECT_THROW(session.model("big"), Error);
    options.max_model_bytes = size_t{4096} << 20;
    Session roomy(options);
    EXPECT_EQ(roomy.load(load_request(g).load_model()).hash(), "big");
}

TEST(Tokens, ComparisonIsExact) {
    EXPECT_TRUE(tokens_equal("abc", "abc"));
    EXPECT_FALSE(tokens_equal("abc", "abd"));
    EXPECT_FALSE(tokens_equal("abc", "abcd"));
    EXPECT_FALSE(tokens_equal("", "a"));
}

TEST(Npy, RoundTrip) {
    NpyArray a{{2, 3}, {1, 2, 3, 4, 5, 6.5f}};
    std::string path = ::testing::TempDir() + "/rt.npy";
    write_npy(path, a);
    NpyArray b = read_npy(path);
    EXPECT_EQ(b.shape, a.shape);
    EXPECT_EQ(b.data, a.data);
    EXPECT_THROW(read_npy(::testing::TempDir() + "/missing.npy"), std::runtime_error);
}

}  // namespace
}  // namespace dsx::testing
