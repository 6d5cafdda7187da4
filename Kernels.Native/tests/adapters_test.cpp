// Library adapters beyond the generic FP32 conformance test: XNNPACK INT8 against the FP32 reference
// within a bound derived from the quantisation scales, kernels run repeatedly with new buffers and
// thread counts, oneDNN's NCHW8c channel padding, and refusals.
#include <gtest/gtest.h>

#include <cstring>

#include "kernel_testing.h"

namespace dsx::testing {
namespace {

// `p` with its input and weights replaced (same shapes), no bias and no clamp: a linear map the
// reference can evaluate, used to sum |x| or |w| over each output's receptive field.
std::vector<float> ref_linear(const Problem& p, const std::vector<float>& input, const std::vector<float>& weight) {
    Problem q = p;
    q.weight = weight;
    q.bias.clear();
    q.inputs = {input};
    q.spec.weight = q.weight.data();
    q.spec.bias = nullptr;
    q.spec.epilogue = Epilogue{};
    return run_ref(q);
}

std::vector<float> map(const std::vector<float>& v, float (*f)(float)) {
    std::vector<float> r(v.size());
    for (size_t i = 0; i < v.size(); ++i) r[i] = f(v[i]);
    return r;
}

// Per output element, how far XNNPACK INT8 may be from the FP32 reference. With x_k, w_k the real input
// and weight values under output y's window, s_x, s_w, s_y the scales (s_w of y's output channel for
// conv, per tensor for FC), the quantised values differ by e_x <= s_x/2 and e_w <= s_w/2, so
//   |sum x̂ŵ - sum xw| <= sum_k |w_k| s_x/2 + sum_k |x_k| s_w/2 + T s_x s_w/4     (T = taps inside the input;
//                                                                                 padded taps are exact zeros)
// plus s_x s_w/2 for the int32 bias and s_y/2 for rounding the output (the clamp is 1-Lipschitz and its
// int8 bounds sit within s_y/2 of the real ones). A small slack covers float rounding of the scales.
std::vector<double> int8_bound(const Problem& p, const std::vector<float>& want) {
    auto [lo, hi] = std::minmax_element(p.inputs[0].begin(), p.inputs[0].end());
    const float s_x = choose_quant(*lo, *hi).scale;
    auto [ylo, yhi] = std::minmax_element(want.begin(), want.end());
    const float s_y = choose_quant(*ylo, *yhi).scale;

    const int64_t rows = p.spec.weight_dims[0], k = static_cast<int64_t>(p.weight.size()) / rows;
    std::vector<float> s_w(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t i = 0; i < k; ++i) s_w[r] = std::max(s_w[r], std::abs(p.weight[r * k + i]) / 127.0f);
    if (p.spec.op == Op::FullyConnected) std::fill(s_w.begin(), s_w.end(), *std::max_element(s_w.begin(), s_w.end()));

    const std::vector<float> ones_in(p.inputs[0].size(), 1.0f), ones_w(p.weight.size(), 1.0f);
    const std::vector<float> sum_abs_x = ref_linear(p, map(p.inputs[0], std::abs), ones_w);
    const std::vector<float> sum_abs_w = ref_linear(p, ones_in, map(p.weight, std::abs));
    const std::vector<float> taps = ref_linear(p, ones_in, ones_w);

    const TensorDesc& out = p.spec.output;
    const int64_t plane = out.h() * out.w(), channels = out.c();
    std::vector<double> bound(want.size());
    for (size_t i = 0; i < want.size(); ++i) {
        const double sw = s_w[(static_cast<int64_t>(i) / plane) % channels];
        bound[i] = sum_abs_w[i] * s_x / 2 + sum_abs_x[i] * sw / 2 + taps[i] * s_x * sw / 4 + s_x * sw / 2 + s_y / 2 + 0.01 * s_y +
                   1e-5 * (std::abs(want[i]) + 1);
    }
    return bound;
}

void check_int8(Op op, Layout layout) {
    constexpr int kWanted = 60;
    std::mt19937 rng(99);
    int admitted = 0;
    double worst = 0;  // largest error as a fraction of its bound
    std::string last_reason;
    for (int attempt = 0; attempt < 500 && admitted < kWanted; ++attempt) {
        Problem p = random_problem(rng, op, attempt);
        const std::vector<float> want = run_ref(p);
        const int threads = 1 + attempt % 3;
        std::string why;
        const std::vector<float> got = run_primitive("xnnpack", p, layout, Precision::INT8, threads, &why, &want);
        if (got.empty()) {
            last_reason = why;
            continue;
        }
        ++admitted;
        const std::vector<double> bound = int8_bound(p, want);
        for (size_t i = 0; i < want.size(); ++i) {
            const double err = std::abs(static_cast<double>(got[i]) - want[i]);
            worst = std::max(worst, err / bound[i]);
            ASSERT_LE(err, bound[i]) << "output " << i << ": got " << got[i] << " want " << want[i] << " threads=" << threads << " on "
                                     << p.describe();
        }
    }
    EXPECT_GE(admitted, kWanted) << "last refusal: " << last_reason;
    std::printf("xnnpack INT8 %s: %d shapes, worst error %.2f of its bound\n", to_string(op), admitted, worst);
}

TEST(XnnpackInt8, ConvWithinQuantisationBoundOfFp32Ref) { check_int8(Op::Conv, Layout::NHWC); }
TEST(XnnpackInt8, FullyConnectedWithinQuantisationBoundOfFp32Ref) { check_int8(Op::FullyConnected, Layout::NCHW); }

// One kernel, run several times with a different thread count and freshly allocated buffers each time
// (libraries that bind pointers or size their work split per thread count must follow). The output is
// pre-filled with NaN so that anything left unwritten, including NCHW8c channel padding, shows.
void check_reruns(const std::string& primitive, const Problem& p, Layout layout) {
    const PrimitiveImpl* impl = Registry::instance().find(primitive, p.spec.op);
    ASSERT_NE(impl, nullptr);
    NodeSpec spec = p.spec;
    spec.threads = 2;
    for (TensorDesc* d : {&spec.inputs[0], &spec.output})
        if (d->rank() == 4) d->layout = layout;
    ASSERT_EQ(impl->admits(spec), "");
    auto kernel = impl->create(spec);
    const std::vector<float> want = run_ref(p);
    ThreadPool& pool = ThreadPool::shared();
    for (int threads : {2, 1, 3, 2}) {
        Buffer in(spec.inputs[0].bytes()), out(spec.output.bytes()), workspace(kernel->workspace_bytes());
        convert(p.spec.inputs[0], p.inputs[0].data(), spec.inputs[0], in.data(), pool, 1);
        std::vector<float> nan(out.size() / sizeof(float), std::numeric_limits<float>::quiet_NaN());
        std::memcpy(out.data(), nan.data(), out.size());
        const void* inputs[] = {in.data()};
        kernel->run(KernelArgs{inputs, out.data(), workspace.data(), &pool, threads});
        const float* o = out.as<float>();
        const int64_t c = spec.output.c(), hw = spec.output.h() * spec.output.w(), cb = (c + kBlock - 1) / kBlock;
        for (int64_t i = 0; i < spec.output.stored_elements(); ++i) {
            ASSERT_FALSE(std::isnan(o[i])) << primitive << " left element " << i << " unwritten with threads=" << threads;
            const bool padding = spec.output.layout == Layout::NCHW8c && (i / (kBlock * hw) % cb) * kBlock + i % kBlock >= c;
            if (padding) {
                ASSERT_EQ(o[i], 0.0f) << primitive << " wrote channel padding at " << i;
            }
        }
        std::vector<float> got(want.size());
        convert(spec.output, out.data(), p.spec.output, got.data(), pool, 1);
        EXPECT_LT(relative_l2(got, want), 1e-4) << primitive << " threads=" << threads << " on " << p.describe();
    }
}

TEST(Adapters, RerunWithNewBuffersAndThreadCounts) {
    std::mt19937 rng(7);
    for (ConvFamily family : {ConvFamily::Large, ConvFamily::Grouped, ConvFamily::Depthwise3x3, ConvFamily::Any}) {
        Problem conv = random_conv(rng, family);
        SCOPED_TRACE(conv.describe());
        check_reruns("im2col_blas", conv, Layout::NCHW);
        check_reruns("xnnpack", conv, Layout::NHWC);
        check_reruns("onednn", conv, Layout::NCHW8c);
        check_reruns("onednn", conv, Layout::NHWC);
    }
    for (int i = 0; i < 3; ++i) {
        Problem fc = random_fc(rng);
        SCOPED_TRACE(fc.describe());
        check_reruns("blas", fc, Layout::NCHW);
        check_reruns("xnnpack", fc, Layout::NCHW);
        check_reruns("onednn", fc, Layout::NCHW);
    }
}

TEST(Adapters, RefuseWithReasons) {
    std::mt19937 rng(3);
    Problem fc = random_fc(rng);
    const int64_t n = fc.spec.inputs[0].dims[0], k = fc.spec.inputs[0].dims[1];
    fc.spec.inputs[0].dims = {n, k, 1, 1};  // FC on an unflattened tensor
    for (const char* primitive : {"blas", "xnnpack", "onednn"}) {
        std::string why;
        EXPECT_TRUE(run_primitive(primitive, fc, Layout::NCHW, Precision::FP32, 1, &why).empty()) << primitive;
        EXPECT_NE(why.find("rank-2"), std::string::npos) << primitive << ": " << why;
    }

    // A ReLU whose output range holds only negative values leaves no int8 step between the clamp bounds.
    Problem conv = random_conv(rng, ConvFamily::Pointwise);
    conv.spec.epilogue = Epilogue{0.0f, std::numeric_limits<float>::infinity()};
    const std::vector<float> negative(conv.spec.output.numel(), -1.0f);
    std::string why;
    EXPECT_TRUE(run_primitive("xnnpack", conv, Layout::NHWC, Precision::INT8, 1, &why, &negative).empty());
    EXPECT_NE(why.find("clamp"), std::string::npos) << why;

    // oneDNN's INT8 convolution is offered on NHWC only.
    why.clear();
    EXPECT_TRUE(run_primitive("onednn", conv, Layout::NCHW8c, Precision::INT8, 1, &why).empty());
    EXPECT_NE(why.find("NHWC"), std::string::npos) << why;
}

}  // namespace
}  // namespace dsx::testing
