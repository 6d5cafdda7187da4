// The graph executor: model validation, plans mixing primitives/layouts/precisions, conversions, memory.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "dsx/error.h"
#include "graph/session.h"
#include "graph_builder.h"
#include "kernel_testing.h"

namespace dsx::testing {
namespace {

std::vector<float> output_of(const wire::MeasureReply& r) {
    std::vector<float> v(r.outputs(0).float_data().size() / sizeof(float));
    std::memcpy(v.data(), r.outputs(0).float_data().data(), v.size() * sizeof(float));
    return v;
}

wire::Choice choice(const std::string& primitive, wire::Layout layout, wire::Precision precision = wire::FP32, int threads = 1) {
    wire::Choice c;
    c.set_primitive(primitive);
    c.set_layout(layout);
    c.set_precision(precision);
    c.set_threads(threads);
    return c;
}

class GraphTest : public ::testing::Test {
protected:
    void SetUp() override {
        wire::LoadModel load;
        load.set_hash("small");
        *load.mutable_graph() = small_network();
        session.load(load);
    }
    wire::MeasureReply measure(const wire::Plan& plan, int repeats = 2) {
        wire::Measure m;
        m.set_model_hash("small");
        *m.mutable_plan() = plan;
        m.set_repeats(repeats);
        m.set_warmup(1);
        m.set_return_outputs(true);
        m.set_seed(3);
        return session.measure(m);
    }
    wire::Plan all(const std::string& primitive, wire::Layout layout, wire::Precision precision = wire::FP32) {
        wire::Plan plan;
        const Model& model = *session.model("small").model;
        for (const auto& n : model.nodes())
            if (Registry::instance().find(primitive, n.op)) (*plan.mutable_layers())[n.name] = choice(primitive, layout, precision, 0);  // 0: the plan's default
        return plan;
    }
    Session session{Session::Options{}};
};

TEST_F(GraphTest, EveryLayerTimedAndOutputShaped) {
    wire::MeasureReply r = measure(wire::Plan{}, 3);
    ASSERT_EQ(r.layers_size(), 10);
    for (const auto& l : r.layers()) {
        EXPECT_GE(l.compute().min_ms(), 0.0) << l.name();
        EXPECT_LE(l.compute().min_ms(), l.compute().median_ms());
        EXPECT_LE(l.compute().median_ms(), l.compute().max_ms());
    }
    EXPECT_GT(r.end_to_end().median_ms(), 0.0);
    ASSERT_EQ(r.outputs_size(), 1);
    EXPECT_EQ(r.outputs(0).dims_size(), 2);
    EXPECT_EQ(r.outputs(0).dims(1), 10);
    EXPECT_GT(r.memory().peak_rss_bytes(), 0);
    EXPECT_EQ(r.memory().peak_bytes(), r.memory().weights_bytes() + r.memory().arena_bytes() + r.memory().workspace_bytes());
}

TEST_F(GraphTest, ArenaReusesDeadActivations) {
    wire::MeasureReply r = measure(all("ref", wire::NCHW));
    const Model& model = *session.model("small").model;
    int64_t every_value = 0;
    for (const auto& v : model.values()) every_value += TensorDesc{v.dims}.numel() * 4;
    EXPECT_LT(r.memory().arena_bytes(), every_value);
}

// Each Conv primitive forced on every layer it admits, in each of its FP32 layouts, against all-ref.
TEST_F(GraphTest, SingleLibraryPlansAgreeWithRef) {
    const std::vector<float> want = output_of(measure(all("ref", wire::NCHW)));
    int plans = 0;
    for (const auto& impl : Registry::instance().all()) {
        if (impl.op != Op::Conv || impl.primitive == "ref" || impl.precisions[0] != Precision::FP32) continue;
        for (Layout layout : impl.layouts) {
            wire::Plan plan;
            const Model& model = *session.model("small").model;
            for (const auto& n : model.nodes()) {
                const PrimitiveImpl* p = Registry::instance().find(impl.primitive, n.op);
                // An FP32 plan: ops the library offers only in INT8 (xnnpack's Add, GlobalAveragePool) stay on ref.
                if (!p || std::find(p->precisions.begin(), p->precisions.end(), Precision::FP32) == p->precisions.end()) continue;
                NodeSpec spec = n.spec;
                spec.inputs = {TensorDesc{model.values()[n.inputs[0]].dims, n.spec.op == Op::Conv ? layout : Layout::NCHW}};
                spec.output = TensorDesc{model.values()[n.output].dims, n.spec.op == Op::Conv ? layout : Layout::NCHW};
                if (p->admits(spec).empty())
                    (*plan.mutable_layers())[n.name] = choice(impl.primitive, n.spec.op == Op::Conv ? static_cast<wire::Layout>(layout) : wire::NCHW);
            }
            if (plan.layers().empty()) continue;
            ++plans;
            EXPECT_LT(relative_l2(output_of(measure(plan)), want), 1e-4) << impl.primitive << " " << to_string(layout);
        }
    }
    EXPECT_GE(plans, 1) << "no optimised conv primitive is registered";
}

TEST_F(GraphTest, LayoutChangeIsConvertedAndTimedInTheLayerItFeeds) {
    const std::vector<float> want = output_of(measure(all("ref", wire::NCHW)));
    wire::Plan plan = all("ref", wire::NCHW);
    // Pooling and ReLU in NHWC between NCHW convolutions: conversions both ways.
    (*plan.mutable_layers())["n5"] = choice("ref", wire::NHWC);
    (*plan.mutable_layers())["n6"] = choice("ref", wire::NHWC);
    wire::MeasureReply r = measure(plan);
    EXPECT_LT(relative_l2(output_of(r), want), 1e-5);
    EXPECT_GT(r.layers(4).conversion().max_ms(), 0.0);  // n5 converts its input to NHWC
    EXPECT_GT(r.layers(6).conversion().max_ms(), 0.0);  // n7 (conv, NCHW) converts back
    EXPECT_EQ(r.layers(5).conversion().max_ms(), 0.0);  // n6 reads n5's NHWC output as is
    EXPECT_EQ(r.layers(4).choice().layout(), wire::NHWC);
}

TEST_F(GraphTest, ThreadsAreHonouredAndResultsUnchanged) {
    const std::vector<float> want = output_of(measure(all("ref", wire::NCHW)));
    wire::Plan plan = all("ref", wire::NCHW);
    plan.set_default_threads(2);
    wire::MeasureReply r = measure(plan);
    EXPECT_EQ(r.layers(0).choice().threads(), 2);
    EXPECT_LT(relative_l2(output_of(r), want), 1e-6);
}

TEST_F(GraphTest, UnknownPrimitiveIsATypedErrorNamingTheLayer) {
    wire::Plan plan;
    (*plan.mutable_layers())["n1"] = choice("no_such_thing", wire::NCHW);
    try {
        measure(plan);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::UnsupportedChoice);
        EXPECT_EQ(e.layer(), "n1");
        EXPECT_NE(std::string(e.what()).find("available"), std::string::npos) << e.what();
    }
}

TEST_F(GraphTest, LayoutAPrimitiveLacksIsRefused) {
    wire::Plan plan;
    (*plan.mutable_layers())["n1"] = choice("ref", wire::NCHW8C);
    try {
        measure(plan);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::UnsupportedChoice);
        EXPECT_NE(std::string(e.what()).find("NCHW8c"), std::string::npos) << e.what();
    }
}

TEST_F(GraphTest, Int8PlanStaysCloseToFp32) {
    bool any = false;
    for (const auto& impl : Registry::instance().all())
        for (Precision p : impl.precisions) any |= impl.op == Op::Conv && p == Precision::INT8 && impl.layouts[0] == Layout::NCHW;
    if (!any) GTEST_SKIP() << "no INT8 NCHW conv primitive registered";
    const std::vector<float> want = output_of(measure(all("ref", wire::NCHW)));
    wire::Plan plan;
    const Model& model = *session.model("small").model;
    for (const auto& impl : Registry::instance().all()) {
        if (impl.op != Op::Conv || impl.layouts[0] != Layout::NCHW) continue;
        if (std::find(impl.precisions.begin(), impl.precisions.end(), Precision::INT8) == impl.precisions.end()) continue;
        for (const auto& n : model.nodes()) {
            if (n.op != Op::Conv || plan.layers().count(n.name)) continue;
            (*plan.mutable_layers())[n.name] = choice(impl.primitive, wire::NCHW, wire::INT8);
            try {
                measure(plan, 1);
            } catch (const Error&) {
                plan.mutable_layers()->erase(n.name);
            }
        }
    }
    ASSERT_FALSE(plan.layers().empty());
    wire::MeasureReply r = measure(plan);
    EXPECT_LT(relative_l2(output_of(r), want), 0.1);
}

// Max pool, conv and global average pool in INT8: the pools read and write int8, so only the pool's own
// input is quantised and the layers after it read their producer's int8 output as is.
TEST_F(GraphTest, Int8PoolsKeepThePlanInInt8) {
    const std::vector<float> want = output_of(measure(all("ref", wire::NCHW)));
    wire::Plan plan;
    (*plan.mutable_layers())["n6"] = choice("neon", wire::NCHW, wire::INT8);            // max pool
    (*plan.mutable_layers())["n7"] = choice("int8_gemm_neon", wire::NCHW, wire::INT8);  // conv
    (*plan.mutable_layers())["n8"] = choice("neon", wire::NCHW, wire::INT8);            // global average pool
    wire::MeasureReply r = measure(plan);
    EXPECT_LT(relative_l2(output_of(r), want), 0.1);
    EXPECT_GT(r.layers(5).conversion().max_ms(), 0.0);  // n6 quantises its FP32 input
    EXPECT_EQ(r.layers(6).conversion().max_ms(), 0.0);
    EXPECT_EQ(r.layers(7).conversion().max_ms(), 0.0);
    EXPECT_EQ(r.layers(7).choice().precision(), wire::INT8);
}

// The executor's own account of its design space must be exactly what it then accepts in a plan.
TEST_F(GraphTest, DescribedChoicesAreAllAccepted) {
    wire::DescribeSpace ask;
    ask.set_model_hash("small");
    wire::DesignSpaceReply space = session.describe_space(ask);
    ASSERT_EQ(space.layers_size(), 10);
    size_t total = 0;
    for (const auto& layer : space.layers()) {
        ASSERT_GT(layer.choices_size(), 0) << layer.name();
        total += static_cast<size_t>(layer.choices_size());
        for (const auto& c : layer.choices()) {
            wire::Plan plan;
            (*plan.mutable_layers())[layer.name()] = c;
            EXPECT_NO_THROW(measure(plan, 1)) << layer.name() << " " << c.ShortDebugString();
        }
    }
    EXPECT_GT(space.layers(0).flops(), 0.0);
    auto has = [&](int layer, const std::string& primitive) {
        for (const auto& c : space.layers(layer).choices())
            if (c.primitive() == primitive) return true;
        return false;
    };
    EXPECT_TRUE(has(0, "ref"));
    EXPECT_TRUE(has(0, "im2col_blas"));
    EXPECT_FALSE(has(0, "winograd_neon"));  // stride 2
    EXPECT_TRUE(has(6, "winograd_neon"));   // 3x3 stride 1
    EXPECT_TRUE(has(9, "blas"));
    EXPECT_GT(total, 40u);
}

TEST(ModelValidation, NamesTheNodeAtFault) {
    GraphBuilder b({1, 3, 8, 8});
    std::string x = b.conv("input", 3, 4, 3, 1, 1);
    b.last().set_inputs(0, "nowhere");
    wire::Graph g = b.finish(x);
    try {
        Model m(g);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::BadModel);
        EXPECT_EQ(e.layer(), "n1");
        EXPECT_NE(std::string(e.what()).find("nowhere"), std::string::npos);
    }
}

TEST(ModelValidation, RejectsWeightThatDoesNotFit) {
    GraphBuilder b({1, 3, 8, 8});
    std::string x = b.conv("input", 4, 4, 3, 1, 1);  // weight expects 4 input channels
    try {
        Model m(b.finish(x));
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::ShapeMismatch);
    }
}

TEST(ModelValidation, RejectsDynamicInput) {
    GraphBuilder b({1, 3, 0, 8});
    std::string x = b.op(wire::RELU, {"input"});
    try {
        Model m(b.finish(x));
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::BadModel);
        EXPECT_NE(std::string(e.what()).find("dimension"), std::string::npos);
    }
}

TEST(ModelValidation, RejectsTruncatedInitializer) {
    GraphBuilder b({1, 3, 8, 8});
    std::string x = b.conv("input", 3, 4, 3, 1, 1);
    wire::Graph g = b.finish(x);
    g.mutable_initializers(0)->mutable_float_data()->resize(8);
    EXPECT_THROW(Model m(g), Error);
}

}  // namespace
}  // namespace dsx::testing
