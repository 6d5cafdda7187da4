// direct_neon against `ref`: depthwise 3x3 stride 1/2 in NCHW; depthwise and groups == 1 with any window
// in NHWC; and the shapes it must refuse.
#include <gtest/gtest.h>

#include "kernel_testing.h"

namespace dsx::testing {
namespace {

// Runs `wanted` admitted problems drawn from `families` in `layout` and compares them with ref.
void check_against_ref(Layout layout, std::initializer_list<ConvFamily> families, int wanted, unsigned seed) {
    std::mt19937 rng(seed);
    const std::vector<ConvFamily> drawn(families);
    int admitted = 0;
    for (int attempt = 0; attempt < 2000 && admitted < wanted; ++attempt) {
        Problem p = random_conv(rng, drawn[attempt % drawn.size()]);
        const int threads = 1 + attempt % 3;
        std::string why;
        std::vector<float> got = run_primitive("direct_neon", p, layout, Precision::FP32, threads, &why);
        if (got.empty()) continue;
        ++admitted;
        ASSERT_LT(relative_l2(got, run_ref(p)), 1e-5) << to_string(layout) << " threads=" << threads << " on " << p.describe();
    }
    EXPECT_GE(admitted, wanted);
}

TEST(DirectNeon, DepthwiseNchwMatchesRef) { check_against_ref(Layout::NCHW, {ConvFamily::Depthwise3x3}, 80, 11); }

TEST(DirectNeon, DepthwiseNhwcMatchesRef) { check_against_ref(Layout::NHWC, {ConvFamily::Depthwise3x3}, 80, 12); }

TEST(DirectNeon, DepthwiseNhwcAnyWindowMatchesRef) {
    std::mt19937 rng(14);
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    int checked = 0;
    while (checked < 60) {
        Problem p = random_conv(rng, ConvFamily::Depthwise3x3);
        Window& w = p.spec.window;
        w = Window{pick(1, 5), pick(1, 5), pick(1, 2), pick(1, 2), pick(0, 2), pick(0, 2), pick(0, 2), pick(0, 2), pick(1, 2), pick(1, 2)};
        const int64_t c = p.spec.inputs[0].c(), oh = w.out_h(p.spec.inputs[0].h()), ow = w.out_w(p.spec.inputs[0].w());
        if (oh < 1 || ow < 1) continue;
        p.weight = random_vector(rng, static_cast<size_t>(c * w.kh * w.kw), -0.5f, 0.5f);
        p.spec.weight = p.weight.data();
        p.spec.weight_dims = {c, 1, w.kh, w.kw};
        p.spec.output.dims[2] = oh;
        p.spec.output.dims[3] = ow;
        const int threads = 1 + checked % 2;
        std::vector<float> got = run_primitive("direct_neon", p, Layout::NHWC, Precision::FP32, threads, nullptr);
        ASSERT_LT(relative_l2(got, run_ref(p)), 1e-5) << "threads=" << threads << " on " << p.describe();
        ++checked;
    }
}

TEST(DirectNeon, GeneralNhwcMatchesRef) {
    check_against_ref(Layout::NHWC,
                      {ConvFamily::Any, ConvFamily::Pointwise, ConvFamily::K3S1, ConvFamily::K3S2, ConvFamily::Large,
                       ConvFamily::Grouped},
                      60, 13);
}

TEST(DirectNeon, RefusesWhatItDoesNotCover) {
    const PrimitiveImpl* impl = Registry::instance().find("direct_neon", Op::Conv);
    ASSERT_NE(impl, nullptr);
    std::mt19937 rng(3);
    auto reason = [&](ConvFamily family, Layout layout, auto change) {
        Problem p = random_conv(rng, family);
        change(p.spec);
        p.spec.inputs[0].layout = p.spec.output.layout = layout;
        return impl->admits(p.spec);
    };
    auto none = [](NodeSpec&) {};
    // NCHW: depthwise 3x3 stride 1/2 only.
    EXPECT_EQ(reason(ConvFamily::Depthwise3x3, Layout::NCHW, none), "");
    EXPECT_NE(reason(ConvFamily::K3S1, Layout::NCHW, [](NodeSpec& s) { s.inputs[0].dims[1] = s.output.dims[1] = 8; }), "");
    EXPECT_NE(reason(ConvFamily::Depthwise3x3, Layout::NCHW, [](NodeSpec& s) { s.window.kh = s.window.kw = 5; }), "");
    EXPECT_NE(reason(ConvFamily::Depthwise3x3, Layout::NCHW, [](NodeSpec& s) { s.window.dh = 2; }), "");
    // NHWC: groups == 1 or depthwise, any window.
    EXPECT_EQ(reason(ConvFamily::Any, Layout::NHWC, none), "");
    EXPECT_EQ(reason(ConvFamily::Depthwise3x3, Layout::NHWC, [](NodeSpec& s) { s.window.kh = 5; }), "");
    std::string grouped = reason(ConvFamily::Grouped, Layout::NHWC, [](NodeSpec& s) {
        s.groups = 2;
        s.inputs[0].dims[1] = s.output.dims[1] = 6;
    });
    EXPECT_NE(grouped.find("groups"), std::string::npos) << grouped;
}

}  // namespace
}  // namespace dsx::testing
