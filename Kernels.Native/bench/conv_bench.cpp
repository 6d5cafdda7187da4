// Every registered Conv primitive, in each layout and precision it offers, on the conv shapes of
// ResNet-18 and MobileNetV2 (224x224 input), single-threaded. GFLOPS counts the FP32-equivalent
// multiply-adds of the convolution, so primitives compare directly (Winograd's saving shows as more GFLOPS).
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "dsx/conv.h"
#include "dsx/convert.h"

namespace dsx {
namespace {

struct ConvShape {
    const char* net;
    int c, oc, hw, k, stride, groups;
};

// Distinct conv shapes of each network (repeated blocks listed once).
const std::vector<ConvShape> kShapes = {
    {"resnet18", 3, 64, 224, 7, 2, 1},      {"resnet18", 64, 64, 56, 3, 1, 1},     {"resnet18", 64, 128, 56, 3, 2, 1},
    {"resnet18", 128, 128, 28, 3, 1, 1},    {"resnet18", 64, 128, 56, 1, 2, 1},    {"resnet18", 128, 256, 28, 3, 2, 1},
    {"resnet18", 256, 256, 14, 3, 1, 1},    {"resnet18", 128, 256, 28, 1, 2, 1},   {"resnet18", 256, 512, 14, 3, 2, 1},
    {"resnet18", 512, 512, 7, 3, 1, 1},     {"resnet18", 256, 512, 14, 1, 2, 1},   {"mobilenet_v2", 3, 32, 224, 3, 2, 1},
    {"mobilenet_v2", 32, 32, 112, 3, 1, 32}, {"mobilenet_v2", 32, 16, 112, 1, 1, 1}, {"mobilenet_v2", 16, 96, 112, 1, 1, 1},
    {"mobilenet_v2", 96, 96, 112, 3, 2, 96}, {"mobilenet_v2", 96, 24, 56, 1, 1, 1},  {"mobilenet_v2", 24, 144, 56, 1, 1, 1},
    {"mobilenet_v2", 144, 144, 56, 3, 1, 144}, {"mobilenet_v2", 144, 24, 56, 1, 1, 1}, {"mobilenet_v2", 144, 144, 56, 3, 2, 144},
    {"mobilenet_v2", 144, 32, 28, 1, 1, 1}, {"mobilenet_v2", 32, 192, 28, 1, 1, 1}, {"mobilenet_v2", 192, 192, 28, 3, 1, 192},
    {"mobilenet_v2", 192, 64, 14, 1, 1, 1}, {"mobilenet_v2", 64, 384, 14, 1, 1, 1}, {"mobilenet_v2", 384, 384, 14, 3, 1, 384},
    {"mobilenet_v2", 384, 96, 14, 1, 1, 1}, {"mobilenet_v2", 96, 576, 14, 1, 1, 1}, {"mobilenet_v2", 576, 576, 14, 3, 1, 576},
    {"mobilenet_v2", 576, 576, 14, 3, 2, 576}, {"mobilenet_v2", 576, 160, 7, 1, 1, 1}, {"mobilenet_v2", 160, 960, 7, 1, 1, 1},
    {"mobilenet_v2", 960, 960, 7, 3, 1, 960}, {"mobilenet_v2", 960, 320, 7, 1, 1, 1}, {"mobilenet_v2", 320, 1280, 7, 1, 1, 1},
};

struct Prepared {
    NodeSpec spec;
    std::vector<float> weight, bias;
};

Prepared prepare(const ConvShape& s, Layout layout, Precision precision) {
    Prepared p;
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(-0.5f, 0.5f);
    p.weight.resize(static_cast<size_t>(s.oc) * (s.c / s.groups) * s.k * s.k);
    for (float& x : p.weight) x = u(rng);
    p.bias.resize(static_cast<size_t>(s.oc));
    for (float& x : p.bias) x = u(rng);
    NodeSpec& n = p.spec;
    n.op = Op::Conv;
    n.name = "conv";
    n.window.kh = n.window.kw = s.k;
    n.window.sh = n.window.sw = s.stride;
    n.window.pt = n.window.pl = n.window.pb = n.window.pr = s.k / 2;
    n.groups = s.groups;
    n.weight = p.weight.data();
    n.weight_dims = {s.oc, s.c / s.groups, s.k, s.k};
    n.bias = p.bias.data();
    n.epilogue.lo = 0.0f;
    const Quant q = choose_quant(-1.0f, 1.0f);
    n.inputs = {TensorDesc{{1, s.c, s.hw, s.hw}, layout, precision, q}};
    n.output = TensorDesc{{1, s.oc, n.window.out_h(s.hw), n.window.out_w(s.hw)}, layout, precision, choose_quant(0.0f, 8.0f)};
    n.threads = 1;
    return p;
}

void register_all() {
    for (const auto& impl : Registry::instance().all()) {
        if (impl.op != Op::Conv) continue;
        for (Layout layout : impl.layouts) {
            for (Precision precision : impl.precisions) {
                for (const ConvShape& s : kShapes) {
                    Prepared probe = prepare(s, layout, precision);
                    if (!impl.admits(probe.spec).empty()) continue;
                    const std::string name = "Conv/" + impl.primitive + "/" + to_string(layout) + "/" + to_string(precision) + "/" + s.net + "/" +
                                             std::to_string(s.c) + "-" + std::to_string(s.oc) + "x" + std::to_string(s.hw) + "k" + std::to_string(s.k) +
                                             "s" + std::to_string(s.stride) + (s.groups > 1 ? "dw" : "");
                    benchmark::RegisterBenchmark(name.c_str(), [&impl, s, layout, precision](benchmark::State& state) {
                        Prepared p = prepare(s, layout, precision);
                        auto kernel = impl.create(p.spec);
                        Buffer in(p.spec.inputs[0].bytes()), out(p.spec.output.bytes()), ws(kernel->workspace_bytes());
                        const void* inputs[] = {in.data()};
                        KernelArgs args{inputs, out.data(), ws.data(), &ThreadPool::shared(), 1};
                        for (auto _ : state) kernel->run(args);
                        state.counters["GFLOPS"] = benchmark::Counter(conv_dims(p.spec).flops() * static_cast<double>(state.iterations()),
                                                                      benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
                    })->Unit(benchmark::kMillisecond);
                }
            }
        }
    }
}

}  // namespace
}  // namespace dsx

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    dsx::register_all();  // after static initialisation, so every primitive is registered
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
