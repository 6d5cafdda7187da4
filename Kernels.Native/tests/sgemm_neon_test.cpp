// Our packed SGEMM against a naive triple loop: odd and tiny shapes, edges off the MR/NR tiles,
// K across the KC blocks, strided (transposed) operands, threads, and the fused bias + clamp epilogue.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "kernel_testing.h"
#include "kernels/gemm/sgemm_neon.h"

namespace dsx::testing {
namespace {

struct GemmCase {
    int64_t m, n, k;
    bool b_transposed = false;  // B given as a column-major view (as FullyConnected passes x^T)
    bool c_transposed = false;
    bool bias = false;
    Epilogue ep;
    int threads = 1;
};

// Runs our GEMM on random data and checks every element against a double-precision triple loop,
// with a tolerance scaled by sum_k |a_ik * b_kj|; C's padding (ldc > n) must stay untouched.
void check(const GemmCase& t, std::mt19937& rng) {
    SCOPED_TRACE(::testing::Message() << "m=" << t.m << " n=" << t.n << " k=" << t.k << " bT=" << t.b_transposed
                                      << " cT=" << t.c_transposed << " bias=" << t.bias << " lo=" << t.ep.lo << " hi=" << t.ep.hi
                                      << " threads=" << t.threads);
    const int64_t lda = t.k + 3;
    std::vector<float> a = random_vector(rng, static_cast<size_t>(t.m * lda));
    std::vector<float> b = random_vector(rng, static_cast<size_t>(t.k * t.n));
    std::vector<float> bias = random_vector(rng, static_cast<size_t>(t.m));
    const gemm::MatrixView<const float> bv = t.b_transposed ? gemm::MatrixView<const float>{b.data(), 1, t.k}
                                                            : gemm::MatrixView<const float>{b.data(), t.n, 1};
    const int64_t ldc = (t.c_transposed ? t.m : t.n) + 2;
    const int64_t c_rows = t.c_transposed ? t.n : t.m;
    const float sentinel = 1234.5f;
    // NaN where C is written: the first K block must overwrite, not accumulate.
    std::vector<float> c(static_cast<size_t>(c_rows * ldc), sentinel);
    for (int64_t r = 0; r < c_rows; ++r)
        for (int64_t j = 0; j < ldc - 2; ++j) c[r * ldc + j] = std::numeric_limits<float>::quiet_NaN();
    const gemm::MatrixView<float> cv = t.c_transposed ? gemm::MatrixView<float>{c.data(), 1, ldc} : gemm::MatrixView<float>{c.data(), ldc, 1};

    gemm::Sgemm g(a.data(), lda, t.m, t.k);
    Buffer ws(g.workspace_bytes(t.n, t.threads));
    g.run(t.n, bv, cv, t.bias ? bias.data() : nullptr, t.ep, ws.data(), ThreadPool::shared(), t.threads);

    int bad = 0;
    for (int64_t i = 0; i < t.m; ++i) {
        for (int64_t j = 0; j < t.n; ++j) {
            double acc = t.bias ? bias[i] : 0.0, mag = 0.0;
            for (int64_t kk = 0; kk < t.k; ++kk) {
                double p = static_cast<double>(a[i * lda + kk]) * bv.data[kk * bv.rs + j * bv.cs];
                acc += p;
                mag += std::abs(p);
            }
            const double want = std::clamp(acc, static_cast<double>(t.ep.lo), static_cast<double>(t.ep.hi));
            const float got = cv.data[i * cv.rs + j * cv.cs];
            if (!(std::abs(got - want) <= 2e-5 * (mag + 1.0)) && ++bad <= 5)
                ADD_FAILURE() << "C[" << i << "][" << j << "] = " << got << ", want " << want;
        }
    }
    for (int64_t r = 0; r < c_rows; ++r)
        for (int64_t j = ldc - 2; j < ldc; ++j)
            if (c[r * ldc + j] != sentinel && ++bad <= 5) ADD_FAILURE() << "wrote past the tile at row " << r;
    EXPECT_EQ(bad, 0);
}

TEST(SgemmNeon, MatchesNaiveOnRandomShapes) {
    std::mt19937 rng(42);
    auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
    // K around the KC = 256 block boundaries, and sizes off every MR (6, 8) and NR (8, 12) multiple.
    const int64_t ks[] = {1, 2, 3, 7, 16, 33, 255, 256, 257, 511, 512, 513, 700};
    for (int i = 0; i < 80; ++i) {
        GemmCase t;
        t.m = i % 9 == 0 ? 1 : pick(1, 70);
        t.n = i % 7 == 0 ? 1 : pick(1, i % 5 == 0 ? 500 : 60);
        t.k = i % 2 == 0 ? ks[i / 2 % std::size(ks)] : pick(1, 300);
        t.b_transposed = i % 6 == 5;
        t.c_transposed = i % 8 == 3;
        t.bias = i % 3 != 0;
        t.threads = 1 + i % 3;
        check(t, rng);
    }
}

TEST(SgemmNeon, ExactTilesAndLargeN) {
    std::mt19937 rng(7);
    // Whole MR x NR tiles on both architectures, N over several NC blocks, split M when N is narrow.
    for (GemmCase t : {GemmCase{48, 48, 64}, GemmCase{24, 600, 300}, GemmCase{96, 5, 520}, GemmCase{130, 12, 40}}) {
        for (int threads : {1, 2, 3}) {
            t.threads = threads;
            check(t, rng);
        }
    }
}

TEST(SgemmNeon, FusedBiasAndClamp) {
    std::mt19937 rng(3);
    for (Epilogue ep : {Epilogue{0.0f, std::numeric_limits<float>::infinity()}, Epilogue{0.0f, 6.0f}, Epilogue{-0.5f, 0.25f}}) {
        for (int64_t k : {5, 256, 600}) {
            GemmCase t{13, 29, k};
            t.bias = true;
            t.ep = ep;
            check(t, rng);
            t.m = 24;
            t.n = 48;  // full tiles take the vector store path
            check(t, rng);
        }
    }
}

}  // namespace
}  // namespace dsx::testing
