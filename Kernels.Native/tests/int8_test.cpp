// Every int8 primitive against the FP32 ref on at least 50 random shapes it admits, element by element
// within an error bound derived from the data (see docs/int8.md), plus a mean relative L2 error that
// shows the bound is not vacuous.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>

#include "kernel_testing.h"

namespace dsx::testing {
namespace {

struct Int8Case {
    std::string primitive;
    Op op;
    Layout layout = Layout::NCHW;
    // A library that may have no INT8 kernel but its reference one on this CPU (oneDNN off x86), and then refuses all.
    bool may_be_unavailable = false;
};

Quant quant_of(const std::vector<float>& v) {
    auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    return choose_quant(*lo, *hi);
}

// `p` with other weights and input, no bias and no clamp: ref then sums weight * input over exactly the
// taps the layer reads (padding contributes nothing, as in the int8 kernels where it is exactly zp).
std::vector<float> tap_sums(const Problem& p, std::vector<float> weight, std::vector<float> input) {
    Problem q = p;
    q.weight = std::move(weight);
    q.bias.clear();
    q.inputs = {std::move(input)};
    q.spec.weight = q.weight.data();
    q.spec.bias = nullptr;
    q.spec.epilogue = Epilogue{};
    return run_ref(q);
}

// Per output, the bound of docs/int8.md on |int8 result - FP32 ref| (real units), s_w per output channel:
//   A = sum_k |w_k| s_in/2 + n_k s_in s_w/4    input quantisation (and its product with the weight's)
//   B = sum_k |x_k| s_w/2                       weight quantisation
//   C = s_in s_w/2 with a bias                  bias quantisation
//   D = s_out/2                                 output rounding (clamps, saturation included)
//   F = 2^-20 ((K + 1) sum_k |w_k x_k| + |b| + 512 A + 128 s_out)   float rounding, ours and ref's
std::vector<double> error_bound(const Problem& p, const std::vector<float>& ref) {
    const Quant in = quant_of(p.inputs[0]), out = quant_of(ref);
    const int64_t rows = p.spec.weight_dims.at(0), k = static_cast<int64_t>(p.weight.size()) / rows;
    std::vector<float> sw(rows);
    for (int64_t r = 0; r < rows; ++r) {
        float amax = 0.0f;
        for (int64_t i = 0; i < k; ++i) amax = std::max(amax, std::abs(p.weight[r * k + i]));
        sw[r] = amax > 0.0f ? amax / 127.0f : 1.0f;
    }
    std::vector<float> w_in(p.weight.size()), w_half_scale(p.weight.size()), w_abs(p.weight.size());
    for (size_t i = 0; i < p.weight.size(); ++i) {
        const float s = sw[i / k];
        w_abs[i] = std::abs(p.weight[i]);
        w_in[i] = w_abs[i] * in.scale / 2 + in.scale * s / 4;
        w_half_scale[i] = s / 2;
    }
    std::vector<float> x_abs(p.inputs[0]), ones(p.inputs[0].size(), 1.0f);
    for (float& x : x_abs) x = std::abs(x);
    const std::vector<float> a = tap_sums(p, w_in, ones), b = tap_sums(p, w_half_scale, x_abs), wx = tap_sums(p, w_abs, x_abs);
    const int64_t plane = p.spec.output.h() * p.spec.output.w(), channels = p.spec.output.c();
    std::vector<double> bound(ref.size());
    for (size_t i = 0; i < ref.size(); ++i) {
        const int64_t r = static_cast<int64_t>(i) / plane % channels;
        const double bias = p.bias.empty() ? 0.0 : std::abs(p.bias[r]);
        const double c = p.bias.empty() ? 0.0 : 0.5 * in.scale * sw[r];
        const double f = std::ldexp((k + 1.0) * wx[i] + bias + 512.0 * a[i] + 128.0 * out.scale, -20);
        bound[i] = a[i] + b[i] + c + 0.5 * out.scale + f;
    }
    return bound;
}

// Moves the generator's [-1, 1] inputs to ranges whose zero point is far from 0 (ReLU-like [0, 1], and a
// skewed one), so padding with 0 instead of the zero point would show.
void vary_input_range(Problem& p, int variant) {
    const float scale[] = {1.0f, 0.5f, 1.5f}, shift[] = {0.0f, 0.5f, 1.2f};
    for (float& x : p.inputs[0]) x = x * scale[variant % 3] + shift[variant % 3];
}

// Why the primitive refuses p in INT8 (asked first, so ref runs only on admitted shapes).
std::string refusal(const Int8Case& c, const Problem& p) {
    NodeSpec spec = p.spec;
    for (TensorDesc& d : spec.inputs) {
        d.precision = Precision::INT8;
        d.layout = c.layout;
    }
    spec.output.precision = Precision::INT8;
    spec.output.layout = c.layout;
    return Registry::instance().find(c.primitive, c.op)->admits(spec);
}

class Int8Conformance : public ::testing::TestWithParam<Int8Case> {};

TEST_P(Int8Conformance, WithinDerivedBoundOfRef) {
    const Int8Case& c = GetParam();
    constexpr int kWanted = 50;
    constexpr ConvFamily kFamilies[] = {ConvFamily::Depthwise3x3, ConvFamily::Any,  ConvFamily::Grouped, ConvFamily::Pointwise,
                                        ConvFamily::K3S1,         ConvFamily::K3S2, ConvFamily::Large};
    std::mt19937 rng(4321);
    int admitted = 0;
    double sum_rel = 0.0, worst = 0.0;
    std::string last_reason;
    for (int attempt = 0; attempt < 3000 && admitted < kWanted; ++attempt) {
        Problem p = c.op == Op::Conv ? random_conv(rng, kFamilies[attempt % 7]) : random_fc(rng);
        vary_input_range(p, attempt / 7);
        const std::string why = refusal(c, p);
        if (!why.empty()) {
            last_reason = why;
            continue;
        }
        ++admitted;
        const int threads = 1 + attempt % 2;
        const std::vector<float> want = run_ref(p);
        const std::vector<float> got = run_primitive(c.primitive, p, c.layout, Precision::INT8, threads, nullptr, &want);
        ASSERT_EQ(got.size(), want.size()) << p.describe();
        const std::vector<double> bound = error_bound(p, want);
        for (size_t i = 0; i < want.size(); ++i) {
            const double err = std::abs(static_cast<double>(got[i]) - want[i]);
            ASSERT_LE(err, bound[i]) << c.primitive << " threads=" << threads << " element " << i << " got " << got[i] << " want "
                                     << want[i] << " on " << p.describe();
            worst = std::max(worst, err / bound[i]);
        }
        sum_rel += relative_l2(got, want);
    }
    if (admitted == 0 && c.may_be_unavailable) GTEST_SKIP() << c.primitive << " has no INT8 kernel here: " << last_reason;
    ASSERT_GE(admitted, kWanted) << c.primitive << " admitted too few random shapes; last refusal: " << last_reason;
    std::cout << c.primitive << " " << to_string(c.op) << ": " << admitted << " shapes, worst error " << worst
              << " of its bound, mean relative L2 " << sum_rel / admitted << "\n";
    EXPECT_LT(sum_rel / admitted, 0.02) << c.primitive << " mean relative L2 error";
}

std::string case_name(const ::testing::TestParamInfo<Int8Case>& info) {
    return info.param.primitive + "_" + to_string(info.param.op);
}

INSTANTIATE_TEST_SUITE_P(Primitives, Int8Conformance,
                         ::testing::Values(Int8Case{"int8_gemm_neon", Op::Conv}, Int8Case{"int8_direct_neon", Op::Conv},
                                           Int8Case{"int8_gemm_neon", Op::FullyConnected},
                                           Int8Case{"onednn", Op::Conv, Layout::NHWC, true}),
                         case_name);

// The depthwise kernel refuses what it cannot run, with a reason.
TEST(Int8Direct, RefusesNonDepthwise3x3) {
    std::mt19937 rng(7);
    Problem p = random_conv(rng, ConvFamily::Pointwise);
    std::string why;
    EXPECT_TRUE(run_primitive("int8_direct_neon", p, Layout::NCHW, Precision::INT8, 1, &why).empty());
    EXPECT_NE(why.find("int8_direct_neon"), std::string::npos) << why;
}

}  // namespace
}  // namespace dsx::testing
