// INT8 Concat of branches quantised apart (GoogLeNet's Inception outputs, a SqueezeNet Fire module), NHWC,
// one thread: `ref` (dequantise and quantise each element) beside `neon`, with the FP32 concat (a memcpy
// per run) as the floor. GB/s of bytes read plus written.
#include <benchmark/benchmark.h>

#include <vector>

#include "dsx/convert.h"
#include "dsx/kernel.h"

namespace {

struct ConcatShape {
    std::vector<int64_t> channels;
    int64_t hw;
};

const ConcatShape kShapes[] = {
    {{128, 192, 96, 64}, 28},   // googlenet inception3b
    {{256, 320, 128, 128}, 14},  // googlenet inception4e
    {{64, 64}, 55},              // squeezenet1_1 fire2
};

void BM_Concat(benchmark::State& state, const char* primitive, dsx::Precision precision) {
    const ConcatShape& s = kShapes[state.range(0)];
    dsx::NodeSpec spec;
    spec.op = dsx::Op::Concat;
    spec.axis = 1;
    int64_t total = 0;
    for (size_t i = 0; i < s.channels.size(); ++i) {
        // Each branch its own range, as calibration gives them.
        const dsx::Quant q = dsx::choose_quant(0.0f, 2.0f + static_cast<float>(i));
        spec.inputs.push_back(dsx::TensorDesc{{1, s.channels[i], s.hw, s.hw}, dsx::Layout::NHWC, precision, q});
        total += s.channels[i];
    }
    spec.output = dsx::TensorDesc{{1, total, s.hw, s.hw}, dsx::Layout::NHWC, precision, dsx::choose_quant(0.0f, 8.0f)};
    const dsx::PrimitiveImpl* impl = dsx::Registry::instance().find(primitive, dsx::Op::Concat);
    if (impl == nullptr) {
        state.SkipWithError("not registered");
        return;
    }
    auto kernel = impl->create(spec);
    std::vector<dsx::Buffer> inputs;
    std::vector<const void*> pointers;
    for (const dsx::TensorDesc& in : spec.inputs) pointers.push_back(inputs.emplace_back(in.bytes()).data());
    dsx::Buffer out(spec.output.bytes());
    dsx::KernelArgs args{pointers, out.data(), nullptr, &dsx::ThreadPool::shared(), 1};
    for (auto _ : state) kernel->run(args);
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(2 * spec.output.bytes()));
}

BENCHMARK_CAPTURE(BM_Concat, int8_ref, "ref", dsx::Precision::INT8)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Concat, int8_neon, "neon", dsx::Precision::INT8)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Concat, fp32_memcpy, "ref", dsx::Precision::FP32)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond);

}  // namespace
