// Our packed SGEMM against OpenBLAS cblas_sgemm, single-threaded, on GEMM-bound shapes: squares,
// the ResNet-18 3x3 conv GEMMs and MobileNetV2 pointwise convs (M = out channels, N = pixels, K).
// Read GFLOPS against BM_PeakFma128. A is packed outside the timed loop: it is the layer's weights.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <random>
#include <vector>

#include "kernels/gemm/sgemm_neon.h"

namespace {

struct Operands {
    std::vector<float> a, b, c;
    Operands(int64_t m, int64_t n, int64_t k) : a(static_cast<size_t>(m * k)), b(static_cast<size_t>(k * n)), c(static_cast<size_t>(m * n)) {
        std::mt19937 rng(1);
        std::uniform_real_distribution<float> u(-1.0f, 1.0f);
        for (float& x : a) x = u(rng);
        for (float& x : b) x = u(rng);
    }
};

void set_gflops(benchmark::State& state, int64_t m, int64_t n, int64_t k) {
    state.counters["GFLOPS"] = benchmark::Counter(2.0 * static_cast<double>(m * n * k) * static_cast<double>(state.iterations()),
                                                  benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

void BM_GemmOurs(benchmark::State& state) {
    const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
    Operands o(m, n, k);
    dsx::gemm::Sgemm gemm(o.a.data(), k, m, k);
    dsx::Buffer ws(gemm.workspace_bytes(n, 1));
    for (auto _ : state) {
        gemm.run(n, {o.b.data(), n, 1}, {o.c.data(), n, 1}, nullptr, dsx::Epilogue{}, ws.data(), dsx::ThreadPool::shared(), 1);
        benchmark::ClobberMemory();
    }
    set_gflops(state, m, n, k);
}

void BM_GemmOpenBLAS(benchmark::State& state) {
    const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
    Operands o(m, n, k);
    openblas_set_num_threads(1);
    for (auto _ : state) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0f,
                    o.a.data(), static_cast<int>(k), o.b.data(), static_cast<int>(n), 0.0f, o.c.data(), static_cast<int>(n));
        benchmark::ClobberMemory();
    }
    set_gflops(state, m, n, k);
}

void shapes(benchmark::internal::Benchmark* b) {
    b->ArgNames({"M", "N", "K"});
    for (int64_t s : {256, 512, 1024}) b->Args({s, s, s});
    // ResNet-18 3x3 convs at 56, 28, 14, 7 pixels square.
    b->Args({64, 3136, 576})->Args({128, 784, 1152})->Args({256, 196, 2304})->Args({512, 49, 4608});
    // MobileNetV2 pointwise: first expansion, a 56x56 expansion and projection, a 7x7 expansion.
    b->Args({96, 12544, 16})->Args({144, 3136, 24})->Args({24, 3136, 144})->Args({960, 49, 160});
    b->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_GemmOurs)->Apply(shapes);
BENCHMARK(BM_GemmOpenBLAS)->Apply(shapes);

}  // namespace
