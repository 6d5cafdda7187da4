#include "graph/session.h"

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include <cblas.h>
#include <dnnl.h>

#include "dsx/conv.h"
#include "dsx/convert.h"
#include "dsx/error.h"

namespace dsx {
namespace {

int usable_cores() {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set);
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// The CPU model, so a measurement table from another host of the same ISA is recognised as stale: "model name" on x86,
// implementer/part on Arm (Linux's /proc/cpuinfo has no model name there). Empty if neither is readable.
std::string cpu_model() {
    std::ifstream info("/proc/cpuinfo");
    std::string line, implementer, part;
    auto value = [&line] {
        const size_t colon = line.find(':');
        const size_t start = colon == std::string::npos ? line.size() : line.find_first_not_of(' ', colon + 1);
        return start == std::string::npos ? std::string() : line.substr(start);
    };
    while (std::getline(info, line)) {
        if (line.rfind("model name", 0) == 0) return value();
        if (implementer.empty() && line.rfind("CPU implementer", 0) == 0) implementer = value();
        if (part.empty() && line.rfind("CPU part", 0) == 0) part = value();
    }
    return implementer.empty() ? std::string() : "CPU implementer " + implementer + " part " + part;
}

wire::Timing summarize(std::vector<double> seconds) {
    wire::Timing t;
    if (seconds.empty()) return t;
    std::sort(seconds.begin(), seconds.end());
    const size_t n = seconds.size();
    const double median = n % 2 ? seconds[n / 2] : 0.5 * (seconds[n / 2 - 1] + seconds[n / 2]);
    t.set_min_ms(seconds.front() * 1e3);
    t.set_median_ms(median * 1e3);
    t.set_max_ms(seconds.back() * 1e3);
    return t;
}

int64_t unix_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// DSX_EXECUTOR_NOISE=F (reliability tests): every timed run of a Measure is slowed by a factor from 1 to 1 + F,
// like a board whose other tenants come and go. The first run is left alone and the second gets the full 1 + F, so
// any measurement of two or more runs is as noisy as asked; the rest are random, so medians move between measurements.
double timing_noise() {
    static const double noise = [] {
        const char* v = std::getenv("DSX_EXECUTOR_NOISE");
        if (!v) return 0.0;
        char* end = nullptr;
        const double f = std::strtod(v, &end);
        if (end == v || *end != '\0' || !(f >= 0.0)) {
            std::fprintf(stderr, "dsx-executor: ignoring DSX_EXECUTOR_NOISE='%s' (expected a fraction >= 0, e.g. 0.5)\n", v);
            return 0.0;
        }
        return f;
    }();
    return noise;
}

double noise_factor(double noise, int run, std::mt19937_64& rng) {
    if (noise <= 0.0 || run == 0) return 1.0;
    if (run == 1) return 1.0 + noise;
    return 1.0 + noise * std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

bool plan_uses_int8(const wire::Plan& plan) {
    if (plan.fallback().precision() == wire::INT8) return true;
    return std::any_of(plan.layers().begin(), plan.layers().end(), [](const auto& kv) { return kv.second.precision() == wire::INT8; });
}

}  // namespace

std::vector<float> seeded_input(const std::vector<int64_t>& dims, uint64_t seed) {
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) x = u(rng);
    return v;
}

int64_t peak_rss_bytes() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
    return 0;
}

void reset_peak_rss() {
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";
}

wire::HelloReply Session::hello() const {
    wire::HelloReply r;
    r.set_protocol_version(wire::PROTOCOL_VERSION_CURRENT);
    r.set_executor_version(DSX_VERSION);
#if defined(__aarch64__)
    std::string isa = "aarch64+neon";
#else
    std::string isa = "x86_64+avx2+fma (NEON via SIMDe)";
#endif
    if (const std::string cpu = cpu_model(); !cpu.empty()) isa += ", " + cpu;
    r.set_isa(isa);
    r.set_cores(usable_cores());
    r.set_emulated(options_.emulated);
    const char* blas = openblas_get_config();
    r.add_libraries(std::string("openblas ") + (blas ? blas : ""));
    r.add_libraries("xnnpack (Debian 0.0~git20220216)");
    const dnnl_version_t* dv = dnnl_version();
    r.add_libraries("onednn " + std::to_string(dv->major) + "." + std::to_string(dv->minor) + "." + std::to_string(dv->patch));
    std::vector<std::string> names;
    for (const auto& impl : Registry::instance().all())
        if (std::find(names.begin(), names.end(), impl.primitive) == names.end()) names.push_back(impl.primitive);
    for (const auto& name : names) {
        wire::PrimitiveInfo* info = r.add_primitives();
        info->set_name(name);
        std::set<int> layouts, precisions;
        for (const auto& impl : Registry::instance().all()) {
            if (impl.primitive != name) continue;
            info->add_ops(static_cast<wire::OpType>(impl.op));
            for (Layout l : impl.layouts) layouts.insert(static_cast<int>(l));
            for (Precision p : impl.precisions) precisions.insert(static_cast<int>(p));
            info->set_threaded(info->threaded() || impl.threaded);
            info->set_library(impl.library);
        }
        for (int l : layouts) info->add_layouts(static_cast<wire::Layout>(l));
        for (int p : precisions) info->add_precisions(static_cast<wire::Precision>(p));
    }
    return r;
}

wire::LoadModelReply Session::load(const wire::LoadModel& request) {
    if (request.hash().empty()) throw Error(ErrorCode::BadModel, "LoadModel needs a hash");
    wire::LoadModelReply reply;
    reply.set_hash(request.hash());
    for (auto it = models_.begin(); it != models_.end(); ++it) {
        if (it->hash != request.hash()) continue;
        models_.splice(models_.begin(), models_, it);
        reply.set_cached(true);
        reply.set_nodes(static_cast<int>(models_.front().model->nodes().size()));
        return reply;
    }
    if (!request.has_graph()) throw Error(ErrorCode::ModelNotLoaded, "model " + request.hash() + " is not held here; send its graph");
    LoadedModel m;
    m.hash = request.hash();
    m.model = std::make_unique<Model>(request.graph());
    if (const size_t need = m.model->footprint_bytes(); need > options_.max_model_bytes)
        throw Error(ErrorCode::BadModel, "model '" + m.model->name() + "' needs " + std::to_string(need >> 20) + " MiB (weights and activations), over this executor's limit of " +
                                             std::to_string(options_.max_model_bytes >> 20) + " MiB (--max-model-mb)");
    reply.set_nodes(static_cast<int>(m.model->nodes().size()));
    models_.push_front(std::move(m));
    while (models_.size() > options_.max_models) models_.pop_back();
    return reply;
}

LoadedModel& Session::model(const std::string& hash) {
    for (auto& m : models_)
        if (m.hash == hash) return m;
    throw Error(ErrorCode::ModelNotLoaded, "model " + hash + " is not loaded; send LoadModel first");
}

const QuantTable& Session::calibration(LoadedModel& m) {
    if (m.quant) return *m.quant;
    // Ranges of every value over a few seeded inputs, run with our FP32 kernels.
    const Model& model = *m.model;
    CompiledPlan fp32(model, wire::Plan{}, nullptr);
    std::vector<std::pair<float, float>> range(model.values().size(), {INFINITY, -INFINITY});
    auto widen = [&](int value, const float* data, int64_t n) {
        for (int64_t i = 0; i < n; ++i) {
            range[value].first = std::min(range[value].first, data[i]);
            range[value].second = std::max(range[value].second, data[i]);
        }
    };
    for (uint64_t seed = 0; seed < 4; ++seed) {
        std::vector<std::vector<float>> data;
        std::vector<const float*> ptrs;
        for (int v : model.inputs()) {
            data.push_back(seeded_input(model.values()[v].dims, 1000 + seed));
            ptrs.push_back(data.back().data());
            widen(v, data.back().data(), static_cast<int64_t>(data.back().size()));
        }
        fp32.run(ptrs, [&](int value, const void* p, const TensorDesc& d) {
            widen(value, static_cast<const float*>(p), d.stored_elements());  // FP32 home: zero padding cannot widen past 0
        });
    }
    auto quant = std::make_unique<QuantTable>();
    // Views keep their input's bytes; a MaxPool keeps its input's quantisation, so its INT8 kernels take the
    // maximum of the int8 values as they are (exact, as quantisation is monotonic) instead of requantising.
    for (const auto& node : model.nodes())
        if (node.op == Op::Flatten || node.op == Op::Reshape || node.op == Op::MaxPool) range[node.output] = range[node.inputs[0]];
    for (size_t v = 0; v < range.size(); ++v)
        if (range[v].first <= range[v].second) (*quant)[static_cast<int>(v)] = choose_quant(range[v].first, range[v].second);
    m.quant = std::move(quant);
    return *m.quant;
}

wire::DesignSpaceReply Session::describe_space(const wire::DescribeSpace& request) {
    LoadedModel& m = model(request.model_hash());
    const Model& model = *m.model;
    const QuantTable* quant = nullptr;
    wire::DesignSpaceReply reply;
    for (int i = 0; i < static_cast<int>(model.nodes().size()); ++i) {
        const GraphNode& node = model.nodes()[i];
        wire::LayerSpace* layer = reply.add_layers();
        layer->set_name(node.name);
        layer->set_op(static_cast<wire::OpType>(node.op));
        for (int64_t d : model.values()[node.output].dims) layer->add_output_shape(d);
        if (node.op == Op::Conv) {
            NodeSpec spec = node.spec;
            spec.inputs = {TensorDesc{model.values()[node.inputs[0]].dims}};
            spec.output = TensorDesc{model.values()[node.output].dims};
            layer->set_flops(conv_dims(spec).flops());
        } else if (node.op == Op::FullyConnected) {
            layer->set_flops(2.0 * model.values()[node.inputs[0]].dims[0] * node.spec.weight_dims[0] * node.spec.weight_dims[1]);
        }
        // Layouts differ in memory only for rank-4 tensors; a rank-2 layer lists NCHW alone.
        const bool spatial = model.values()[node.output].dims.size() == 4;
        for (const auto& impl : Registry::instance().all()) {
            if (impl.op != node.op) continue;
            for (Layout layout : impl.layouts) {
                if (!spatial && layout != Layout::NCHW && std::find(impl.layouts.begin(), impl.layouts.end(), Layout::NCHW) != impl.layouts.end()) continue;
                for (Precision precision : impl.precisions) {
                    if (precision == Precision::INT8 && !quant) quant = &calibration(m);
                    Choice c{impl.primitive, layout, precision, 1};
                    if (!refusal(model, i, c, quant).empty()) continue;
                    wire::Choice* w = layer->add_choices();
                    w->set_primitive(impl.primitive);
                    w->set_layout(static_cast<wire::Layout>(layout));
                    w->set_precision(static_cast<wire::Precision>(precision));
                }
            }
        }
    }
    return reply;
}

wire::MeasureReply Session::measure(const wire::Measure& request) {
    LoadedModel& m = model(request.model_hash());
    const Model& model = *m.model;
    if (request.warmup() < 0 || request.warmup() > options_.max_runs || request.repeats() < 0 || request.repeats() > options_.max_runs)
        throw Error(ErrorCode::BadPlan, "warmup must be 0 to " + std::to_string(options_.max_runs) + " and repeats 1 to " + std::to_string(options_.max_runs));
    const int repeats = request.repeats() > 0 ? request.repeats() : 5;
    reset_peak_rss();
    const QuantTable* quant = plan_uses_int8(request.plan()) ? &calibration(m) : nullptr;
    CompiledPlan plan(model, request.plan(), quant);

    std::vector<std::vector<float>> data;
    std::vector<const float*> ptrs;
    for (size_t i = 0; i < model.inputs().size(); ++i) {
        const Value& v = model.values()[model.inputs()[i]];
        auto given = std::find_if(request.inputs().begin(), request.inputs().end(), [&](const wire::Tensor& t) { return t.name() == v.name; });
        if (given == request.inputs().end()) {
            data.push_back(seeded_input(v.dims, request.seed() + i));
        } else {
            std::vector<int64_t> dims(given->dims().begin(), given->dims().end());
            TensorDesc want{v.dims};
            if (dims != v.dims || given->float_data().size() != want.bytes())
                throw Error(ErrorCode::ShapeMismatch, "input '" + v.name + "' must be " + want.str() + " float32 (" + std::to_string(want.bytes()) + " bytes)");
            data.emplace_back(static_cast<size_t>(want.numel()));
            std::memcpy(data.back().data(), given->float_data().data(), want.bytes());
        }
        ptrs.push_back(data.back().data());
    }
    for (int i = 0; i < request.warmup(); ++i) plan.run(ptrs);
    const size_t n_nodes = model.nodes().size();
    std::vector<std::vector<double>> compute(n_nodes), conversion(n_nodes), total(n_nodes);
    std::vector<double> end_to_end;
    const double noise = timing_noise();
    std::mt19937_64 noise_rng(static_cast<uint64_t>(unix_ns()));
    wire::MeasureReply reply;
    reply.set_start_unix_ns(unix_ns());
    for (int r = 0; r < repeats; ++r) {
        RunTimes t = plan.run(ptrs);
        const double f = noise_factor(noise, r, noise_rng);
        end_to_end.push_back(t.total * f);
        for (size_t i = 0; i < n_nodes; ++i) {
            compute[i].push_back(t.compute[i] * f);
            conversion[i].push_back(t.conversion[i] * f);
            total[i].push_back((t.compute[i] + t.conversion[i]) * f);
        }
    }
    reply.set_end_unix_ns(unix_ns());
    for (size_t i = 0; i < n_nodes; ++i) {
        wire::LayerTiming* lt = reply.add_layers();
        const Choice& c = plan.choices()[i];
        lt->set_name(model.nodes()[i].name);
        lt->mutable_choice()->set_primitive(c.primitive);
        lt->mutable_choice()->set_layout(static_cast<wire::Layout>(c.layout));
        lt->mutable_choice()->set_precision(static_cast<wire::Precision>(c.precision));
        lt->mutable_choice()->set_threads(c.threads);
        *lt->mutable_compute() = summarize(compute[i]);
        *lt->mutable_conversion() = summarize(conversion[i]);
        *lt->mutable_total() = summarize(total[i]);
        lt->set_weights_bytes(static_cast<int64_t>(plan.memory().node_weights[i]));
        lt->set_workspace_bytes(static_cast<int64_t>(plan.memory().node_workspace[i]));
        lt->set_output_bytes(static_cast<int64_t>(plan.memory().node_output[i]));
    }
    *reply.mutable_end_to_end() = summarize(end_to_end);
    wire::MemoryReport* mem = reply.mutable_memory();
    mem->set_weights_bytes(static_cast<int64_t>(plan.memory().weights));
    mem->set_arena_bytes(static_cast<int64_t>(plan.memory().arena));
    mem->set_workspace_bytes(static_cast<int64_t>(plan.memory().workspace));
    mem->set_peak_bytes(static_cast<int64_t>(plan.memory().peak()));
    mem->set_peak_rss_bytes(peak_rss_bytes());
    if (request.return_outputs()) {
        auto outs = plan.outputs();
        for (size_t i = 0; i < outs.size(); ++i) {
            const Value& v = model.values()[model.outputs()[i]];
            wire::Tensor* t = reply.add_outputs();
            t->set_name(v.name);
            for (int64_t d : v.dims) t->add_dims(d);
            t->set_float_data(outs[i].data(), outs[i].size() * sizeof(float));
        }
    }
    return reply;
}

}  // namespace dsx
