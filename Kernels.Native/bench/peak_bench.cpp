// The machine's 128-bit FMA peak: 12 independent vfmaq_f32 chains (enough to hide FMA latency on
// two FMA pipes) kept in registers. Kernel benchmarks are read as a fraction of this figure.
#include <benchmark/benchmark.h>

#include "dsx/neon.h"

#if defined(__aarch64__)
#define DSX_KEEP_IN_REGISTER(v) asm volatile("" : "+w"(v))
#else
#define DSX_KEEP_IN_REGISTER(v) asm volatile("" : "+x"(v))
#endif

static void BM_PeakFma128(benchmark::State& state) {
    float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0,
                a10 = a0, a11 = a0;
    const float32x4_t x = vdupq_n_f32(1.0000001f), y = vdupq_n_f32(0.9999999f);
    constexpr int kIters = 1000;
    for (auto _ : state) {
        for (int i = 0; i < kIters; ++i) {
            a0 = vfmaq_f32(a0, x, y); a1 = vfmaq_f32(a1, x, y); a2 = vfmaq_f32(a2, x, y); a3 = vfmaq_f32(a3, x, y);
            a4 = vfmaq_f32(a4, x, y); a5 = vfmaq_f32(a5, x, y); a6 = vfmaq_f32(a6, x, y); a7 = vfmaq_f32(a7, x, y);
            a8 = vfmaq_f32(a8, x, y); a9 = vfmaq_f32(a9, x, y); a10 = vfmaq_f32(a10, x, y); a11 = vfmaq_f32(a11, x, y);
            DSX_KEEP_IN_REGISTER(a0); DSX_KEEP_IN_REGISTER(a1); DSX_KEEP_IN_REGISTER(a2); DSX_KEEP_IN_REGISTER(a3);
            DSX_KEEP_IN_REGISTER(a4); DSX_KEEP_IN_REGISTER(a5); DSX_KEEP_IN_REGISTER(a6); DSX_KEEP_IN_REGISTER(a7);
            DSX_KEEP_IN_REGISTER(a8); DSX_KEEP_IN_REGISTER(a9); DSX_KEEP_IN_REGISTER(a10); DSX_KEEP_IN_REGISTER(a11);
        }
    }
    float32x4_t sum = vaddq_f32(vaddq_f32(a0, a11), a5);
    benchmark::DoNotOptimize(sum);
    state.counters["GFLOPS"] = benchmark::Counter(static_cast<double>(state.iterations()) * kIters * 12 * 8, benchmark::Counter::kIsRate,
                                                  benchmark::Counter::kIs1000);
}
BENCHMARK(BM_PeakFma128);
