// Pools of GoogLeNet, SqueezeNet and ResNet, one thread, NCHW and NHWC: INT8 `ref` and `neon` beside FP32
// `neon` (what an INT8 plan ran before, plus the conversions around it). A MaxPool's output is in its input's
// quantisation, as the executor calibrates it. GB/s of input bytes read.
#include <benchmark/benchmark.h>

#include <vector>

#include "dsx/convert.h"
#include "dsx/kernel.h"

namespace {

struct PoolShape {
    dsx::Op op;
    int64_t c, hw;
    int k, stride, pad, ceil_pad;  // ceil_pad: extra bottom/right padding of a ceil_mode pool
};

const PoolShape kShapes[] = {
    {dsx::Op::MaxPool, 64, 112, 3, 2, 0, 1},            // googlenet maxpool1
    {dsx::Op::MaxPool, 192, 56, 3, 2, 0, 1},            // googlenet maxpool2
    {dsx::Op::MaxPool, 192, 28, 3, 1, 1, 0},            // googlenet inception3a branch4 pool
    {dsx::Op::MaxPool, 480, 14, 3, 1, 1, 0},            // googlenet inception4a branch4 pool
    {dsx::Op::MaxPool, 64, 111, 3, 2, 0, 0},            // squeezenet1_1 pool1
    {dsx::Op::GlobalAveragePool, 1000, 13, 0, 0, 0, 0},  // squeezenet1_1 gap
    {dsx::Op::GlobalAveragePool, 1024, 7, 0, 0, 0, 0},   // googlenet gap
};

void BM_Pool(benchmark::State& state, const char* primitive, dsx::Precision precision, dsx::Layout layout) {
    const PoolShape& s = kShapes[state.range(0)];
    dsx::NodeSpec spec;
    spec.op = s.op;
    dsx::Window& w = spec.window;
    if (s.op == dsx::Op::MaxPool) {
        w.kh = w.kw = s.k;
        w.sh = w.sw = s.stride;
        w.pt = w.pl = s.pad;
        w.pb = w.pr = s.pad + s.ceil_pad;
    } else {
        w.kh = w.kw = static_cast<int>(s.hw);
    }
    const dsx::Quant in_quant = dsx::choose_quant(0.0f, 6.0f);
    const dsx::Quant out_quant = s.op == dsx::Op::MaxPool ? in_quant : dsx::choose_quant(0.0f, 2.0f);
    spec.inputs.push_back(dsx::TensorDesc{{1, s.c, s.hw, s.hw}, layout, precision, in_quant});
    spec.output = dsx::TensorDesc{{1, s.c, w.out_h(s.hw), w.out_w(s.hw)}, layout, precision, out_quant};
    const dsx::PrimitiveImpl* impl = dsx::Registry::instance().find(primitive, s.op);
    if (impl == nullptr || !impl->admits(spec).empty()) {
        state.SkipWithError("not admitted");
        return;
    }
    auto kernel = impl->create(spec);
    dsx::Buffer in(spec.inputs[0].bytes()), out(spec.output.bytes());
    const void* inputs[] = {in.data()};
    dsx::KernelArgs args{inputs, out.data(), nullptr, &dsx::ThreadPool::shared(), 1};
    for (auto _ : state) kernel->run(args);
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(spec.inputs[0].bytes()));
}

constexpr auto kInt8 = dsx::Precision::INT8;
constexpr auto kFp32 = dsx::Precision::FP32;
constexpr auto kNchw = dsx::Layout::NCHW;
constexpr auto kNhwc = dsx::Layout::NHWC;

BENCHMARK_CAPTURE(BM_Pool, int8_ref_nchw, "ref", kInt8, kNchw)->DenseRange(0, 6)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Pool, int8_neon_nchw, "neon", kInt8, kNchw)->DenseRange(0, 6)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Pool, fp32_neon_nchw, "neon", kFp32, kNchw)->DenseRange(0, 6)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Pool, int8_ref_nhwc, "ref", kInt8, kNhwc)->DenseRange(0, 6)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Pool, int8_neon_nhwc, "neon", kInt8, kNhwc)->DenseRange(0, 6)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Pool, fp32_neon_nhwc, "neon", kFp32, kNhwc)->DenseRange(0, 6)->Unit(benchmark::kMicrosecond);

}  // namespace
