#include "executor/server.h"

#include <new>

#include "dsx/error.h"

namespace dsx {

bool tokens_equal(const std::string& a, const std::string& b) {
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    const std::string& probe = a.size() == b.size() ? b : a;  // keep the loop length independent of b
    for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ probe[i]);
    return diff == 0;
}

namespace {

wire::Response error_reply(uint64_t id, ErrorCode code, const std::string& message, const std::string& layer = {}, const std::string& primitive = {}) {
    wire::Response r;
    r.set_id(id);
    wire::Error* e = r.mutable_error();
    e->set_code(static_cast<wire::ErrorCode>(code));
    e->set_message(message);
    e->set_layer(layer);
    e->set_primitive(primitive);
    return r;
}

}  // namespace

wire::Response Server::handle(const wire::Request& request, bool& handshaken, End& end) {
    wire::Response r;
    r.set_id(request.id());
    if (request.body_case() == wire::Request::kHello) {
        const wire::Hello& hello = request.hello();
        if (hello.protocol_version() != wire::PROTOCOL_VERSION_CURRENT)
            return error_reply(request.id(), ErrorCode::VersionMismatch,
                               "protocol version " + std::to_string(hello.protocol_version()) + " is not supported; this executor speaks version " +
                                   std::to_string(wire::PROTOCOL_VERSION_CURRENT));
        if (!token_.empty() && !tokens_equal(hello.token(), token_)) {
            end = End::Refused;
            return error_reply(request.id(), ErrorCode::Unauthorized, "wrong or missing token");
        }
        handshaken = true;
        *r.mutable_hello() = session_.hello();
        return r;
    }
    if (!handshaken) {
        if (!token_.empty()) end = End::Refused;
        return error_reply(request.id(), ErrorCode::HandshakeRequired, "send Hello first");
    }
    try {
        switch (request.body_case()) {
            case wire::Request::kLoadModel: *r.mutable_loaded() = session_.load(request.load_model()); break;
            case wire::Request::kMeasure: *r.mutable_measured() = session_.measure(request.measure()); break;
            case wire::Request::kDescribeSpace: *r.mutable_space() = session_.describe_space(request.describe_space()); break;
            case wire::Request::kPing: r.mutable_pong(); break;
            case wire::Request::kShutdown:
                r.mutable_bye();
                end = End::Shutdown;
                break;
            default: return error_reply(request.id(), ErrorCode::MalformedFrame, "request has no body");
        }
    } catch (const Error& e) {
        return error_reply(request.id(), e.code(), e.what(), e.layer(), e.primitive());
    } catch (const std::bad_alloc&) {
        return error_reply(request.id(), ErrorCode::OutOfMemory, "out of memory");
    } catch (const std::exception& e) {
        return error_reply(request.id(), ErrorCode::Internal, e.what());
    }
    return r;
}

Server::End Server::serve(FrameIo& io) {
    bool handshaken = false;
    std::string payload;
    for (;;) {
        uint64_t size = 0;
        FrameStatus status = io.read(payload, size);
        if (status == FrameStatus::Eof || status == FrameStatus::IoError) return End::PeerClosed;
        wire::Response reply;
        End end = End::PeerClosed;
        bool finished = false;
        if (status == FrameStatus::TooLarge) {
            reply = error_reply(0, ErrorCode::FrameTooLarge, "frame of " + std::to_string(size) + " bytes is over the limit");
        } else {
            wire::Request request;
            if (!request.ParseFromString(payload)) {
                reply = error_reply(0, ErrorCode::MalformedFrame, "frame of " + std::to_string(size) + " bytes is not a Request");
            } else {
                reply = handle(request, handshaken, end);
                finished = end != End::PeerClosed;
            }
        }
        if (!io.write(reply.SerializeAsString())) return End::PeerClosed;
        if (finished) return end;
    }
}

}  // namespace dsx
