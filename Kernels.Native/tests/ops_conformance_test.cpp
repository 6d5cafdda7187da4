// The non-Conv/FC operators: every `neon` primitive, in every layout it declares, against `ref` in the
// same layout on >= 50 random shapes it admits; the refs against hand-computed values and against
// themselves across layouts; in-place runs; the accuracy of the vector sigmoid.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <numeric>

#include "kernel_testing.h"

namespace dsx::testing {
namespace {

int pick(std::mt19937& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
float pick_float(std::mt19937& rng, float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(rng); }

// A node of `op` from input and output shapes (NCHW FP32), inputs drawn from [lo, hi].
Problem make_problem(std::mt19937& rng, Op op, std::vector<std::vector<int64_t>> inputs, std::vector<int64_t> output,
                     float lo = -1.0f, float hi = 1.0f) {
    Problem p;
    p.spec.op = op;
    p.spec.name = to_string(op);
    for (auto& dims : inputs) {
        p.spec.inputs.push_back(TensorDesc{dims});
        p.inputs.push_back(random_vector(rng, static_cast<size_t>(p.spec.inputs.back().numel()), lo, hi));
    }
    p.spec.output = TensorDesc{std::move(output)};
    return p;
}

std::string describe(const Problem& p) {
    std::string s = p.describe();
    for (size_t i = 1; i < p.spec.inputs.size(); ++i) s += " in" + std::to_string(i) + "=" + p.spec.inputs[i].str();
    const Window& w = p.spec.window;
    if (p.spec.op == Op::MaxPool || p.spec.op == Op::AveragePool)
        s += " k=" + std::to_string(w.kh) + "x" + std::to_string(w.kw) + " s=" + std::to_string(w.sh) + "x" + std::to_string(w.sw) +
             " pad=" + std::to_string(w.pt) + "," + std::to_string(w.pl) + "," + std::to_string(w.pb) + "," + std::to_string(w.pr) +
             " dil=" + std::to_string(w.dh) + "x" + std::to_string(w.dw) + " include_pad=" + std::to_string(p.spec.count_include_pad);
    return s + " alpha=" + std::to_string(p.spec.alpha) + " beta=" + std::to_string(p.spec.beta);
}

// Index of the first element off by more than tol * max(1, |want|), or -1.
int64_t first_mismatch(const std::vector<float>& got, const std::vector<float>& want, double tol) {
    if (got.size() != want.size()) return 0;
    for (size_t i = 0; i < got.size(); ++i)
        if (!(std::abs(static_cast<double>(got[i]) - want[i]) <= tol * std::max(1.0, std::abs(static_cast<double>(want[i])))))
            return static_cast<int64_t>(i);
    return -1;
}

void random_epilogue(std::mt19937& rng, Problem& p) {
    switch (pick(rng, 0, 2)) {
        case 0: break;
        case 1: p.spec.epilogue.lo = 0.0f; break;
        default: p.spec.epilogue.lo = 0.0f; p.spec.epilogue.hi = 0.5f; break;
    }
}

Problem random_pool(std::mt19937& rng, Op op, int max_w = 23) {
    const int64_t n = pick(rng, 1, 2), c = pick(rng, 1, 21);
    int64_t h = pick(rng, 1, 17), w = pick(rng, 1, max_w);
    if (op == Op::GlobalAveragePool) return make_problem(rng, op, {{n, c, h, w}}, {n, c, 1, 1});
    Window win;
    win.kh = pick(rng, 1, 4); win.kw = pick(rng, 1, 4);
    win.sh = pick(rng, 1, 3); win.sw = pick(rng, 1, 3);
    if (pick(rng, 0, 4) == 0) win.dh = win.dw = 2;
    win.pt = pick(rng, 0, std::min(2, win.kh - 1)); win.pb = pick(rng, 0, std::min(2, win.kh - 1));
    win.pl = pick(rng, 0, std::min(2, win.kw - 1)); win.pr = pick(rng, 0, std::min(2, win.kw - 1));
    h = std::max<int64_t>(h, win.dh * (win.kh - 1) + 1);
    w = std::max<int64_t>(w, win.dw * (win.kw - 1) + 1);
    Problem p = make_problem(rng, op, {{n, c, h, w}}, {n, c, win.out_h(h), win.out_w(w)});
    p.spec.window = win;
    p.spec.count_include_pad = pick(rng, 0, 1) == 1;
    return p;
}

Problem random_unary(std::mt19937& rng, Op op) {
    std::vector<int64_t> dims;
    if (pick(rng, 0, 3) == 0) dims = {pick(rng, 1, 3), pick(rng, 1, 70)};
    else dims = {pick(rng, 1, 2), pick(rng, 1, 21), pick(rng, 1, 11), pick(rng, 1, 11)};
    Problem p = make_problem(rng, op, {dims}, dims, -8.0f, 8.0f);
    if (op == Op::Clip) {
        p.spec.alpha = pick_float(rng, -2.0f, 0.0f);
        p.spec.beta = pick_float(rng, 0.0f, 6.0f);
    } else if (op == Op::HardSigmoid) {
        p.spec.alpha = pick_float(rng, 0.1f, 0.5f);
        p.spec.beta = pick_float(rng, 0.3f, 0.7f);
    }
    return p;
}

// Shapes the vector kernels handle (same, per-channel either way round, rank 2 and 3 operands) and
// ones only the reference handles.
Problem random_binary(std::mt19937& rng, Op op) {
    const int64_t n = pick(rng, 1, 2), c = pick(rng, 1, 21), h = pick(rng, 1, 9), w = pick(rng, 1, 9);
    const std::vector<int64_t> out = {n, c, h, w};
    Problem p;
    switch (pick(rng, 0, 9)) {
        case 0: case 1: p = make_problem(rng, op, {out, out}, out); break;
        case 2: p = make_problem(rng, op, {out, {n, c, 1, 1}}, out); break;
        case 3: p = make_problem(rng, op, {out, {1, c, 1, 1}}, out); break;
        case 4: p = make_problem(rng, op, {{1, c, 1, 1}, out}, out); break;
        case 5: p = make_problem(rng, op, {out, {c, 1, 1}}, out); break;
        case 6: p = make_problem(rng, op, {{n, c * w}, {c * w}}, {n, c * w}); break;
        case 7: p = make_problem(rng, op, {{n, c * w}, {n, c * w}}, {n, c * w}); break;
        case 8: p = make_problem(rng, op, {out, {1, 1, h, w}}, out); break;
        default: p = make_problem(rng, op, {{n, 1, h, 1}, {1, c, 1, w}}, out); break;
    }
    random_epilogue(rng, p);
    return p;
}

Problem random_problem(std::mt19937& rng, Op op) {
    switch (op) {
        case Op::MaxPool: case Op::AveragePool: case Op::GlobalAveragePool: return random_pool(rng, op);
        case Op::Add: case Op::Mul: return random_binary(rng, op);
        default: return random_unary(rng, op);
    }
}

constexpr Op kOps[] = {Op::MaxPool, Op::AveragePool, Op::GlobalAveragePool, Op::Relu, Op::Clip, Op::Sigmoid,
                       Op::HardSigmoid, Op::HardSwish, Op::Add, Op::Mul};

struct Case {
    Op op;
    Layout layout;
};

void PrintTo(const Case& c, std::ostream* os) { *os << "neon " << to_string(c.op) << " " << to_string(c.layout); }

std::vector<Case> neon_cases() {
    std::vector<Case> cases;
    for (const auto& impl : Registry::instance().all()) {
        if (impl.primitive != "neon" || std::find(std::begin(kOps), std::end(kOps), impl.op) == std::end(kOps)) continue;
        if (std::find(impl.precisions.begin(), impl.precisions.end(), Precision::FP32) == impl.precisions.end()) continue;
        for (Layout l : impl.layouts) cases.push_back({impl.op, l});
    }
    return cases;
}

class OpsNeonConformance : public ::testing::TestWithParam<Case> {};

TEST_P(OpsNeonConformance, MatchesRefOnRandomShapes) {
    const Case& c = GetParam();
    constexpr int kWanted = 50;
    std::mt19937 rng(4321 + static_cast<int>(c.op));
    int admitted = 0;
    std::string last_reason;
    for (int attempt = 0; attempt < 1000 && admitted < kWanted; ++attempt) {
        Problem p = random_problem(rng, c.op);
        const int threads = 1 + attempt % 2;
        std::string why;
        std::vector<float> got = run_primitive("neon", p, c.layout, Precision::FP32, threads, &why);
        if (got.empty()) {
            last_reason = why;
            continue;
        }
        ++admitted;
        std::vector<float> want = run_primitive("ref", p, c.layout, Precision::FP32, 1, &why);
        ASSERT_FALSE(want.empty()) << "ref refused: " << why;
        int64_t bad = first_mismatch(got, want, 1e-5);
        ASSERT_EQ(bad, -1) << "element " << bad << ": neon " << got[bad] << " vs ref " << want[bad] << ", "
                           << to_string(c.layout) << " threads=" << threads << " on " << describe(p);
    }
    EXPECT_GE(admitted, kWanted) << "neon admitted too few random shapes; last refusal: " << last_reason;
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
    return std::string(to_string(info.param.op)) + "_" + to_string(info.param.layout);
}

INSTANTIATE_TEST_SUITE_P(Primitives, OpsNeonConformance, ::testing::ValuesIn(neon_cases()), case_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OpsNeonConformance);

// The refs lay out data through offset_of; NHWC must give the NCHW answer (it is converted back).
TEST(OpsRef, NhwcMatchesNchw) {
    std::mt19937 rng(99);
    for (Op op : kOps) {
        for (int i = 0; i < 20; ++i) {
            Problem p = random_problem(rng, op);
            std::vector<float> nhwc = run_primitive("ref", p, Layout::NHWC, Precision::FP32, 2, nullptr);
            ASSERT_EQ(first_mismatch(nhwc, run_ref(p), 0.0), -1) << describe(p);
        }
    }
}

// Runs `primitive` on NCHW data with the output written over input 0, as the executor does in place.
std::vector<float> run_in_place(const std::string& primitive, const Problem& p) {
    std::string why = Registry::instance().find(primitive, p.spec.op)->admits(p.spec);
    if (!why.empty()) throw std::runtime_error(why);
    auto kernel = Registry::instance().find(primitive, p.spec.op)->create(p.spec);
    std::vector<float> data = p.inputs[0];
    std::vector<const void*> ins = {data.data()};
    for (size_t i = 1; i < p.inputs.size(); ++i) ins.push_back(p.inputs[i].data());
    KernelArgs args{ins, data.data(), nullptr, &ThreadPool::shared(), 2};
    kernel->run(args);
    return data;
}

TEST(OpsInPlace, ElementwiseOpsMayOverwriteTheirInput) {
    std::mt19937 rng(7);
    for (const char* primitive : {"ref", "neon"}) {
        for (Op op : {Op::Relu, Op::Clip, Op::Sigmoid, Op::HardSigmoid, Op::HardSwish, Op::Add, Op::Mul}) {
            for (int i = 0; i < 10; ++i) {
                Problem p = random_problem(rng, op);
                if (p.spec.inputs[0].dims != p.spec.output.dims) continue;  // aliasing only when shapes are equal
                std::vector<float> want = run_primitive(primitive, p, Layout::NCHW, Precision::FP32, 2, nullptr);
                if (want.empty()) continue;  // neon refused the broadcast
                EXPECT_EQ(first_mismatch(run_in_place(primitive, p), want, 0.0), -1) << primitive << " " << describe(p);
            }
        }
    }
}

TEST(OpsNeonSigmoid, AccurateOverTheWholeRange) {
    std::mt19937 rng(1);
    std::vector<int64_t> dims = {20001};
    Problem p = make_problem(rng, Op::Sigmoid, {dims}, dims);
    for (size_t i = 0; i < p.inputs[0].size(); ++i) p.inputs[0][i] = -100.0f + 0.01f * static_cast<float>(i);
    std::vector<float> got = run_primitive("neon", p, Layout::NCHW, Precision::FP32, 1, nullptr);
    double worst = 0;
    for (size_t i = 0; i < got.size(); ++i) {
        const double want = 1.0 / (1.0 + std::exp(-static_cast<double>(p.inputs[0][i])));
        if (want > 1e-30) worst = std::max(worst, std::abs(got[i] - want) / want);
        else EXPECT_LT(got[i], 1e-30);
    }
    EXPECT_LT(worst, 2e-6);
}

// ---------------------------------------------------------------- the refs on hand-computed values

// Runs `primitive` in `layout` on explicit NCHW inputs (flat data per input).
std::vector<float> run_on(const char* primitive, Problem p, const std::vector<std::vector<float>>& data, Layout layout) {
    p.inputs = data;
    std::string why;
    std::vector<float> out = run_primitive(primitive, p, layout, Precision::FP32, 1, &why);
    EXPECT_TRUE(why.empty()) << why;
    return out;
}

constexpr Layout kLayouts[] = {Layout::NCHW, Layout::NHWC};

TEST(OpsRef, MaxPool2x2) {
    std::mt19937 rng(0);
    Problem p = make_problem(rng, Op::MaxPool, {{1, 1, 4, 4}}, {1, 1, 2, 2});
    p.spec.window.kh = p.spec.window.kw = p.spec.window.sh = p.spec.window.sw = 2;
    const std::vector<float> x = {1, 5, 2, 0,  //
                                  3, 4, 8, 1,  //
                                  -1, -2, -3, -4,  //
                                  -5, -6, 9, -7};
    for (const char* primitive : {"ref", "neon"})
        for (Layout l : kLayouts) EXPECT_EQ(run_on(primitive, p, {x}, l), (std::vector<float>{5, 8, -1, 9})) << primitive;
}

TEST(OpsRef, AveragePoolCountsPaddingOnlyWhenAsked) {
    std::mt19937 rng(0);
    Problem p = make_problem(rng, Op::AveragePool, {{1, 1, 2, 2}}, {1, 1, 3, 3});
    Window& w = p.spec.window;
    w.kh = w.kw = 2;
    w.pt = w.pl = w.pb = w.pr = 1;
    const std::vector<float> x = {1, 2, 3, 4};
    for (const char* primitive : {"ref", "neon"}) {
        for (Layout l : kLayouts) {
            p.spec.count_include_pad = false;
            EXPECT_EQ(run_on(primitive, p, {x}, l), (std::vector<float>{1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4})) << primitive;
            p.spec.count_include_pad = true;
            EXPECT_EQ(run_on(primitive, p, {x}, l), (std::vector<float>{0.25f, 0.75f, 0.5f, 1, 2.5f, 1.5f, 0.75f, 1.75f, 1}))
                << primitive;
        }
    }
}

TEST(OpsRef, GlobalAveragePool) {
    std::mt19937 rng(0);
    Problem p = make_problem(rng, Op::GlobalAveragePool, {{1, 2, 1, 3}}, {1, 2, 1, 1});
    for (const char* primitive : {"ref", "neon"})
        for (Layout l : kLayouts) EXPECT_EQ(run_on(primitive, p, {{1, 2, 6, -3, 0, 0}}, l), (std::vector<float>{3, -1})) << primitive;
}

TEST(OpsRef, Activations) {
    std::mt19937 rng(0);
    const std::vector<float> x = {-3, -1, 0, 1, 3, 6};
    auto run = [&](Op op, float alpha, float beta) {
        Problem p = make_problem(rng, op, {{2, 3}}, {2, 3});
        p.spec.alpha = alpha;
        p.spec.beta = beta;
        return run_on("ref", p, {x}, Layout::NCHW);
    };
    EXPECT_EQ(run(Op::Relu, 0, 0), (std::vector<float>{0, 0, 0, 1, 3, 6}));
    EXPECT_EQ(run(Op::Clip, -1, 2), (std::vector<float>{-1, -1, 0, 1, 2, 2}));
    EXPECT_EQ(run(Op::HardSigmoid, 0.25f, 0.5f), (std::vector<float>{0, 0.25f, 0.5f, 0.75f, 1, 1}));
    EXPECT_EQ(first_mismatch(run(Op::HardSwish, 0, 0), {0, -1.0f / 3, 0, 2.0f / 3, 3, 6}, 1e-7), -1);
    std::vector<float> s = run(Op::Sigmoid, 0, 0);
    EXPECT_FLOAT_EQ(s[2], 0.5f);
    EXPECT_FLOAT_EQ(s[3], 1.0f / (1.0f + std::exp(-1.0f)));
    EXPECT_FLOAT_EQ(s[1] + s[3], 1.0f);
}

TEST(OpsRef, BroadcastAddAndMul) {
    std::mt19937 rng(0);
    // (1,2,1,2) + (1,2,1,1): one value per channel; then (2,3) * (3), with a fused ReLU on the add.
    Problem add = make_problem(rng, Op::Add, {{1, 2, 1, 2}, {1, 2, 1, 1}}, {1, 2, 1, 2});
    add.spec.epilogue.lo = 0.0f;
    for (const char* primitive : {"ref", "neon"})
        for (Layout l : kLayouts)
            EXPECT_EQ(run_on(primitive, add, {{1, -2, 3, 4}, {10, -5}}, l), (std::vector<float>{11, 8, 0, 0})) << primitive;
    Problem mul = make_problem(rng, Op::Mul, {{2, 3}, {3}}, {2, 3});
    EXPECT_EQ(run_on("ref", mul, {{1, 2, 3, 4, 5, 6}, {1, 10, 100}}, Layout::NCHW), (std::vector<float>{1, 20, 300, 4, 50, 600}));
    // (2,1) + (1,3): both operands broadcast (only the reference takes this).
    Problem outer = make_problem(rng, Op::Add, {{2, 1}, {1, 3}}, {2, 3});
    EXPECT_EQ(run_on("ref", outer, {{10, 20}, {1, 2, 3}}, Layout::NCHW), (std::vector<float>{11, 12, 13, 21, 22, 23}));
}

TEST(OpsNeon, RefusesOtherBroadcastsWithAReason) {
    std::mt19937 rng(0);
    Problem p = make_problem(rng, Op::Add, {{1, 4, 3, 3}, {1, 1, 3, 3}}, {1, 4, 3, 3});
    std::string why;
    EXPECT_TRUE(run_primitive("neon", p, Layout::NCHW, Precision::FP32, 1, &why).empty());
    EXPECT_NE(why.find("per-channel"), std::string::npos) << why;
}

TEST(OpsRef, Transpose) {
    std::mt19937 rng(0);
    Problem p = make_problem(rng, Op::Transpose, {{2, 3}}, {3, 2});
    p.spec.perm = {1, 0};
    EXPECT_EQ(run_on("ref", p, {{1, 2, 3, 4, 5, 6}}, Layout::NCHW), (std::vector<float>{1, 4, 2, 5, 3, 6}));
    // NCHW -> NHWC of a (1,2,2,2) tensor: element (c, h, w) goes to (h, w, c).
    Problem q = make_problem(rng, Op::Transpose, {{1, 2, 2, 2}}, {1, 2, 2, 2});
    q.spec.perm = {0, 2, 3, 1};
    EXPECT_EQ(run_on("ref", q, {{0, 1, 2, 3, 4, 5, 6, 7}}, Layout::NCHW), (std::vector<float>{0, 4, 1, 5, 2, 6, 3, 7}));
    Problem bad = q;
    bad.spec.perm = {0, 1, 1, 3};
    EXPECT_FALSE(Registry::instance().find("ref", Op::Transpose)->admits(bad.spec).empty());
}

TEST(OpsRef, SoftmaxRowsSumToOne) {
    std::mt19937 rng(0);
    Problem p = make_problem(rng, Op::Softmax, {{3, 2}}, {3, 2});
    p.spec.axis = -1;
    std::vector<float> y = run_on("ref", p, {{0, std::log(2.0f), 1000, 1000, -5, 5}}, Layout::NCHW);
    EXPECT_NEAR(y[0], 1.0f / 3, 1e-6);
    EXPECT_NEAR(y[1], 2.0f / 3, 1e-6);
    EXPECT_EQ(y[2], 0.5f);  // no overflow on large logits
    Problem big = make_problem(rng, Op::Softmax, {{4, 37}}, {4, 37}, -10.0f, 10.0f);
    big.spec.axis = 1;
    std::vector<float> z = run_ref(big);
    for (int r = 0; r < 4; ++r) EXPECT_NEAR(std::accumulate(z.begin() + r * 37, z.begin() + (r + 1) * 37, 0.0), 1.0, 1e-5);
    // Along axis 1 of a rank-4 tensor: every (n, h, w) line over channels sums to 1.
    Problem chan = make_problem(rng, Op::Softmax, {{1, 3, 1, 2}}, {1, 3, 1, 2});
    std::vector<float> c = run_on("ref", chan, {{1, 1, 1, 2, 1, 3}}, Layout::NCHW);
    EXPECT_NEAR(c[0] + c[2] + c[4], 1.0, 1e-6);
    EXPECT_NEAR(c[0], 1.0 / 3, 1e-6);
}

TEST(OpsRef, ConcatKeepsInputOrder) {
    std::mt19937 rng(0);
    Problem p = make_problem(rng, Op::Concat, {{1, 1, 2, 2}, {1, 2, 2, 2}, {1, 1, 2, 2}}, {1, 4, 2, 2});
    std::vector<float> a = {1, 2, 3, 4}, b = {5, 6, 7, 8, 9, 10, 11, 12}, c = {13, 14, 15, 16};
    std::vector<float> want(16);
    std::iota(want.begin(), want.end(), 1.0f);
    for (Layout l : kLayouts) EXPECT_EQ(run_on("ref", p, {a, b, c}, l), want) << to_string(l);
    Problem rows = make_problem(rng, Op::Concat, {{2, 1}, {2, 2}}, {2, 3});
    EXPECT_EQ(run_on("ref", rows, {{1, 4}, {2, 3, 5, 6}}, Layout::NCHW), (std::vector<float>{1, 2, 3, 4, 5, 6}));
    // Along H of an NHWC tensor too.
    Problem h = make_problem(rng, Op::Concat, {{1, 2, 1, 2}, {1, 2, 2, 2}}, {1, 2, 3, 2});
    h.spec.axis = 2;
    std::vector<float> x = {1, 2, 7, 8}, y = {3, 4, 5, 6, 9, 10, 11, 12};
    for (Layout l : kLayouts)
        EXPECT_EQ(run_on("ref", h, {x, y}, l), (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})) << to_string(l);
}

TEST(OpsRef, FlattenAndReshapeCopy) {
    std::mt19937 rng(0);
    Problem f = make_problem(rng, Op::Flatten, {{2, 3, 2, 2}}, {2, 12});
    EXPECT_EQ(run_ref(f), f.inputs[0]);
    f.spec.output.dims = {4, 6};
    EXPECT_FALSE(Registry::instance().find("ref", Op::Flatten)->admits(f.spec).empty());
    Problem r = make_problem(rng, Op::Reshape, {{2, 3, 2, 2}}, {6, 4});
    EXPECT_EQ(run_ref(r), r.inputs[0]);
}

// XNNPACK's INT8 Add and GlobalAveragePool (NHWC) against the FP32 ref: each element within half a step
// of each input's quantisation (a mean keeps that bound) plus one output step (rounding and XNNPACK's
// fixed-point requantisation), with quantisation chosen from the data's ranges as calibration does.
class OpsInt8Conformance : public ::testing::TestWithParam<Op> {};

TEST_P(OpsInt8Conformance, XnnpackWithinQuantisationError) {
    const Op op = GetParam();
    if (!Registry::instance().find("xnnpack", op)) GTEST_SKIP() << "built without XNNPACK";
    std::mt19937 rng(2718 + static_cast<int>(op));
    int admitted = 0;
    double worst = 0;
    std::string last_reason;
    for (int attempt = 0; attempt < 1000 && admitted < 50; ++attempt) {
        Problem p = random_problem(rng, op);
        const int threads = 1 + attempt % 2;
        const std::vector<float> want = run_ref(p);
        std::string why;
        const std::vector<float> got = run_primitive("xnnpack", p, Layout::NHWC, Precision::INT8, threads, &why, &want);
        if (got.empty()) {
            last_reason = why;
            continue;
        }
        ++admitted;
        auto scale = [](const std::vector<float>& v) {
            auto [lo, hi] = std::minmax_element(v.begin(), v.end());
            return static_cast<double>(choose_quant(*lo, *hi).scale);
        };
        double bound = scale(want);
        for (const std::vector<float>& in : p.inputs) bound += scale(in) / 2;
        for (size_t i = 0; i < want.size(); ++i) {
            const double err = std::abs(static_cast<double>(got[i]) - want[i]);
            worst = std::max(worst, err / bound);
            ASSERT_LE(err, bound) << "element " << i << ": xnnpack " << got[i] << " vs ref " << want[i] << ", threads=" << threads << " on "
                                  << describe(p);
        }
    }
    EXPECT_GE(admitted, 50) << "xnnpack INT8 " << to_string(op) << " admitted too few random shapes; last refusal: " << last_reason;
    std::cout << "xnnpack INT8 " << to_string(op) << ": " << admitted << " shapes, worst error " << worst << " of its bound\n";
}

// A Concat of 1-4 inputs along a random axis, each input drawn from its own range, so each gets its own
// quantisation (as the branches of an Inception block do).
Problem random_concat(std::mt19937& rng) {
    const int rank = pick(rng, 0, 4) == 0 ? 2 : 4;
    const int axis = rank == 2 ? 1 : (pick(rng, 0, 2) == 0 ? pick(rng, 2, 3) : 1);
    std::vector<int64_t> out = rank == 2 ? std::vector<int64_t>{pick(rng, 1, 3), 0} : std::vector<int64_t>{pick(rng, 1, 2), pick(rng, 1, 40), pick(rng, 1, 9), pick(rng, 1, 9)};
    out[axis] = 0;
    std::vector<std::vector<int64_t>> inputs(pick(rng, 1, 4), out);
    for (auto& dims : inputs) out[axis] += dims[axis] = pick(rng, 1, axis == 1 ? 70 : 9);
    Problem p = make_problem(rng, Op::Concat, inputs, out);
    p.spec.axis = axis;
    for (auto& values : p.inputs) {
        const float lo = pick_float(rng, -6.0f, 0.0f), hi = pick_float(rng, 0.1f, 6.0f);
        for (float& v : values) v = lo + (v + 1.0f) / 2.0f * (hi - lo);
    }
    return p;
}

// INT8 Concat: `neon` within one output step of `ref` in both layouts, and `ref` within its quantisation error of the FP32 ref.
TEST(OpsConcatInt8, NeonWithinAStepOfRefAndRefWithinQuantisationError) {
    std::mt19937 rng(1618);
    for (int attempt = 0; attempt < 60; ++attempt) {
        const Problem p = random_concat(rng);
        const std::vector<float> want = run_ref(p);
        double bound = 0;
        auto step = [](const std::vector<float>& v) {
            auto [lo, hi] = std::minmax_element(v.begin(), v.end());
            return static_cast<double>(choose_quant(*lo, *hi).scale);
        };
        for (const std::vector<float>& in : p.inputs) bound = std::max(bound, step(in) / 2);
        bound += step(want) / 2;
        for (Layout layout : {Layout::NCHW, Layout::NHWC}) {
            const int threads = 1 + attempt % 2;
            std::string why;
            const std::vector<float> ref = run_primitive("ref", p, layout, Precision::INT8, threads, &why, &want);
            ASSERT_FALSE(ref.empty()) << "ref refused: " << why << " on " << describe(p);
            const std::vector<float> neon = run_primitive("neon", p, layout, Precision::INT8, threads, &why, &want);
            ASSERT_FALSE(neon.empty()) << "neon refused: " << why << " on " << describe(p);
            // One output step apart at most: neon multiplies by the inverse scale where ref divides.
            const double out_step = step(want);
            for (size_t i = 0; i < want.size(); ++i)
                ASSERT_LE(std::abs(static_cast<double>(neon[i]) - ref[i]), out_step * (1 + 1e-6))
                    << "element " << i << " " << to_string(layout) << " axis " << p.spec.axis << " on " << describe(p);
            for (size_t i = 0; i < want.size(); ++i)
                ASSERT_LE(std::abs(static_cast<double>(ref[i]) - want[i]), bound * (1 + 1e-6)) << "element " << i << " on " << describe(p);
        }
    }
}

// A random pool whose input lies in a random range, so its zero point is seldom 0 (padding must never read
// as a value) and its scale differs from the output's; rows up to 60 wide, so NCHW rows meet the vector path
// of 8 int8 outputs (a stride-2 vector reads 16 elements) as well as the scalar borders.
Problem random_int8_pool(std::mt19937& rng, Op op) {
    Problem p = random_pool(rng, op, 60);
    const float lo = pick_float(rng, -6.0f, 2.0f), hi = lo + pick_float(rng, 0.5f, 6.0f);
    for (float& v : p.inputs[0]) v = lo + (v + 1.0f) / 2.0f * (hi - lo);
    return p;
}

double quant_step(const std::vector<float>& v) {
    auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    return static_cast<double>(choose_quant(*lo, *hi).scale);
}

// INT8 pools in both layouts on random windows (kernel, stride, padding, dilation, count_include_pad):
// `neon` within one output step of `ref` (it multiplies by s_in / (divisor * s_out) where `ref` divides
// float sums), and `ref` within half an input step plus half an output step of the FP32 ref. A MaxPool
// in its input's quantisation, as the executor calibrates it, is exact: both kernels give the int8 of the
// FP32 maximum of the quantised input.
class OpsPoolInt8 : public ::testing::TestWithParam<Op> {};

TEST_P(OpsPoolInt8, NeonWithinAStepOfRefAndRefWithinQuantisationError) {
    const Op op = GetParam();
    std::mt19937 rng(3141 + static_cast<int>(op));
    int compared = 0;
    for (int attempt = 0; attempt < 1000 && compared < 60; ++attempt) {
        const Problem p = random_int8_pool(rng, op);
        const std::vector<float> want = run_ref(p);
        // The output's quantisation comes from these values' range: the input's for a MaxPool on even attempts.
        const bool in_quant = op == Op::MaxPool && attempt % 2 == 0;
        const std::vector<float>& out_range = in_quant ? p.inputs[0] : want;
        const Quant q_in = choose_quant(*std::min_element(p.inputs[0].begin(), p.inputs[0].end()), *std::max_element(p.inputs[0].begin(), p.inputs[0].end()));
        const double out_step = quant_step(out_range), bound = quant_step(p.inputs[0]) / 2 + out_step / 2;
        const int threads = 1 + attempt % 2;
        for (Layout layout : {Layout::NCHW, Layout::NHWC}) {
            std::string why;
            const std::vector<float> ref = run_primitive("ref", p, layout, Precision::INT8, threads, &why, &out_range);
            ASSERT_FALSE(ref.empty()) << "ref refused: " << why << " on " << describe(p);
            for (size_t i = 0; i < want.size(); ++i) {
                if (in_quant) {
                    ASSERT_EQ(ref[i], dequantize(quantize(want[i], q_in), q_in)) << "element " << i << " on " << describe(p);
                }
                ASSERT_LE(std::abs(static_cast<double>(ref[i]) - want[i]), bound * (1 + 1e-6) + 1e-6 * std::abs(want[i]))
                    << "ref " << ref[i] << " fp32 " << want[i] << " element " << i << " on " << describe(p);
            }
            const std::vector<float> neon = run_primitive("neon", p, layout, Precision::INT8, threads, &why, &out_range);
            if (neon.empty()) {
                // Only averages over more taps than an int16 sum holds are left to ref.
                ASSERT_NE(op, Op::MaxPool) << why;
                ASSERT_NE(why.find("int16"), std::string::npos) << why;
                continue;
            }
            compared += layout == Layout::NHWC;
            for (size_t i = 0; i < want.size(); ++i) {
                const std::string where = "element " + std::to_string(i) + " " + to_string(layout) + " threads=" + std::to_string(threads) + " on " + describe(p);
                // Whole steps apart (0, 1, 2, ...); the margin is the dequantised floats' rounding.
                if (in_quant) {
                    ASSERT_EQ(neon[i], ref[i]) << where;
                } else {
                    ASSERT_LE(std::abs(static_cast<double>(neon[i]) - ref[i]), out_step * 1.001) << "neon " << neon[i] << " ref " << ref[i] << " " << where;
                }
            }
        }
    }
    EXPECT_GE(compared, 60) << "neon admitted too few random INT8 " << to_string(op) << " shapes";
}

INSTANTIATE_TEST_SUITE_P(Primitives, OpsPoolInt8, ::testing::Values(Op::MaxPool, Op::AveragePool, Op::GlobalAveragePool),
                         [](const ::testing::TestParamInfo<Op>& info) { return std::string(to_string(info.param)); });

INSTANTIATE_TEST_SUITE_P(Xnnpack, OpsInt8Conformance, ::testing::Values(Op::Add, Op::GlobalAveragePool),
                         [](const ::testing::TestParamInfo<Op>& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace dsx::testing
