// Layout/precision conversions the executor inserts between layers of MobileNetV2 (conv1's input, the
// residual Add's INT8 <-> FP32 round trip): the per-element reference against the specialised loops, in GB/s
// of bytes read plus written.
#include <benchmark/benchmark.h>

#include <vector>

#include "dsx/convert.h"

namespace {

struct Pair {
    std::vector<int64_t> dims;
    dsx::Layout from_layout, to_layout;
    dsx::Precision from_precision, to_precision;
};

const Pair kPairs[] = {
    {{1, 3, 224, 224}, dsx::Layout::NCHW, dsx::Layout::NHWC, dsx::Precision::FP32, dsx::Precision::INT8},
    {{1, 3, 224, 224}, dsx::Layout::NCHW, dsx::Layout::NHWC, dsx::Precision::FP32, dsx::Precision::FP32},
    {{1, 24, 56, 56}, dsx::Layout::NHWC, dsx::Layout::NHWC, dsx::Precision::INT8, dsx::Precision::FP32},
    {{1, 24, 56, 56}, dsx::Layout::NHWC, dsx::Layout::NHWC, dsx::Precision::FP32, dsx::Precision::INT8},
    {{1, 24, 56, 56}, dsx::Layout::NHWC, dsx::Layout::NCHW8c, dsx::Precision::INT8, dsx::Precision::FP32},
    {{1, 24, 56, 56}, dsx::Layout::NCHW8c, dsx::Layout::NCHW, dsx::Precision::FP32, dsx::Precision::INT8},
};

template <bool Fast>
void BM_Convert(benchmark::State& state) {
    const Pair& p = kPairs[state.range(0)];
    dsx::TensorDesc from, to;
    from.dims = to.dims = p.dims;
    from.layout = p.from_layout;
    to.layout = p.to_layout;
    from.precision = p.from_precision;
    to.precision = p.to_precision;
    from.quant = {0.02f, 3};
    to.quant = {0.03f, -5};
    std::vector<uint8_t> src(from.bytes(), 0), dst(to.bytes());
    // Activations in the quantised range (not arbitrary bit patterns: denormals and NaNs would time other paths).
    if (from.precision == dsx::Precision::FP32)
        for (size_t i = 0; i < src.size() / 4; ++i) reinterpret_cast<float*>(src.data())[i] = static_cast<float>(static_cast<int>(i * 37 % 511) - 255) * 0.011f;
    else
        for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<uint8_t>(i * 37);
    dsx::ThreadPool& pool = dsx::ThreadPool::shared();
    for (auto _ : state) {
        if constexpr (Fast) dsx::convert(from, src.data(), to, dst.data(), pool, 1);
        else dsx::convert_ref(from, src.data(), to, dst.data(), pool, 1);
        benchmark::DoNotOptimize(dst.data());
        benchmark::ClobberMemory();
    }
    state.SetLabel(from.str() + " -> " + to.str());
    state.counters["GB/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * static_cast<double>(src.size() + dst.size()),
                                                benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}
BENCHMARK_TEMPLATE(BM_Convert, false)->DenseRange(0, 5)->Unit(benchmark::kMicrosecond)->Name("BM_ConvertRef");
BENCHMARK_TEMPLATE(BM_Convert, true)->DenseRange(0, 5)->Unit(benchmark::kMicrosecond)->Name("BM_ConvertFast");

}  // namespace
