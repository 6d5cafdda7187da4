// winograd_neon: each variant, F(2x2,3x3) and F(4x4,3x3), against `ref` on random 3x3 stride-1 convs with
// partial tiles (odd sizes), padding 0 and 1, channels off the vector width and batch 2.
#include <gtest/gtest.h>

#include "kernel_testing.h"
#include "kernels/conv/winograd_neon.h"

namespace dsx::testing {
namespace {

Problem conv3x3(std::mt19937& rng, int64_t n, int64_t c, int64_t oc, int64_t h, int64_t w, int pad) {
    Problem p;
    NodeSpec& s = p.spec;
    s.op = Op::Conv;
    s.name = "conv3x3";
    s.window.kh = s.window.kw = 3;
    s.window.pt = s.window.pl = s.window.pb = s.window.pr = pad;
    p.weight = random_vector(rng, static_cast<size_t>(oc * c * 9), -0.5f, 0.5f);
    s.weight_dims = {oc, c, 3, 3};
    if (rng() % 4 != 0) p.bias = random_vector(rng, static_cast<size_t>(oc));
    s.weight = p.weight.data();
    s.bias = p.bias.empty() ? nullptr : p.bias.data();
    s.inputs = {TensorDesc{{n, c, h, w}}};
    s.output = TensorDesc{{n, oc, s.window.out_h(h), s.window.out_w(w)}};
    switch (rng() % 3) {
        case 0: break;
        case 1: s.epilogue.lo = 0.0f; break;
        default: s.epilogue.lo = 0.0f; s.epilogue.hi = 6.0f; break;
    }
    p.inputs = {random_vector(rng, static_cast<size_t>(s.inputs[0].numel()))};
    return p;
}

std::vector<float> run_variant(const Problem& p, int tile, int threads) {
    NodeSpec spec = p.spec;
    spec.threads = threads;
    EXPECT_EQ(winograd::admits(spec), "");
    auto kernel = winograd::create(spec, tile);
    Buffer out(spec.output.bytes());
    Buffer workspace(kernel->workspace_bytes());
    const void* inputs[] = {p.inputs[0].data()};
    kernel->run(KernelArgs{inputs, out.data(), workspace.data(), &ThreadPool::shared(), threads});
    return {out.as<float>(), out.as<float>() + spec.output.numel()};
}

// Odd, and never a multiple of 4 for channels.
int64_t odd_in(std::mt19937& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng) | 1; }

class WinogradVariant : public ::testing::TestWithParam<int> {};

TEST_P(WinogradVariant, MatchesRefOnRandomShapes) {
    const int tile = GetParam();
    std::mt19937 rng(77 + tile);
    double worst = 0;
    for (int i = 0; i < 60; ++i) {
        const int pad = i % 2;
        Problem p = conv3x3(rng, 2, odd_in(rng, 1, 37), odd_in(rng, 1, 37), odd_in(rng, 3, 25), odd_in(rng, 3, 25), pad);
        const int threads = 1 + i % 3;
        double err = relative_l2(run_variant(p, tile, threads), run_ref(p));
        worst = std::max(worst, err);
        ASSERT_LT(err, 1e-4) << "F(" << tile << "x" << tile << ",3x3) threads=" << threads << " on " << p.describe();
    }
    RecordProperty("worst_relative_l2", std::to_string(worst));
}

TEST_P(WinogradVariant, ResNetSizedLayerIsAccurate) {
    const int tile = GetParam();
    std::mt19937 rng(5);
    Problem p = conv3x3(rng, 1, 64, 64, 28, 28, 1);
    EXPECT_LT(relative_l2(run_variant(p, tile, 2), run_ref(p)), 1e-4);
}

TEST_P(WinogradVariant, ThreadCountDoesNotChangeTheResult) {
    const int tile = GetParam();
    std::mt19937 rng(9);
    Problem p = conv3x3(rng, 2, 13, 21, 19, 23, 1);
    EXPECT_EQ(run_variant(p, tile, 1), run_variant(p, tile, 3));
}

INSTANTIATE_TEST_SUITE_P(Tiles, WinogradVariant, ::testing::Values(2, 4),
                         [](const ::testing::TestParamInfo<int>& info) { return info.param == 2 ? "F2x2" : "F4x4"; });

TEST(Winograd, AdmitsOnly3x3Stride1Groups1Nchw) {
    std::mt19937 rng(1);
    Problem p = conv3x3(rng, 1, 4, 4, 9, 9, 2);
    EXPECT_EQ(winograd::admits(p.spec), "");
    auto refused = [&](auto change) {
        NodeSpec spec = p.spec;
        change(spec);
        return !winograd::admits(spec).empty();
    };
    EXPECT_TRUE(refused([](NodeSpec& s) { s.window.kh = s.window.kw = 5; }));
    EXPECT_TRUE(refused([](NodeSpec& s) { s.window.sh = s.window.sw = 2; }));
    EXPECT_TRUE(refused([](NodeSpec& s) { s.window.dh = s.window.dw = 2; }));
    EXPECT_TRUE(refused([](NodeSpec& s) { s.groups = 2; }));
    EXPECT_TRUE(refused([](NodeSpec& s) { s.inputs[0].layout = Layout::NHWC; }));
}

TEST(Winograd, PicksF4x4FromA4x4OutputOn) {
    std::mt19937 rng(2);
    EXPECT_EQ(winograd::default_tile(conv3x3(rng, 1, 3, 3, 6, 6, 0).spec), 4);   // 4x4 output
    EXPECT_EQ(winograd::default_tile(conv3x3(rng, 1, 3, 3, 5, 9, 0).spec), 2);   // 3x7 output
    EXPECT_EQ(winograd::default_tile(conv3x3(rng, 1, 3, 3, 56, 56, 1).spec), 4);
}

}  // namespace
}  // namespace dsx::testing
