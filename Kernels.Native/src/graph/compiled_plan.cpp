#include "graph/compiled_plan.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "dsx/convert.h"
#include "dsx/error.h"

namespace dsx {

struct CompiledPlan::Slot {
    int value;
    TensorDesc desc;
    int storage;
};

struct CompiledPlan::Storage {
    size_t bytes = 0;
    int first = 0, last = 0;  // steps that write it first and read it last
    size_t offset = 0;
};

struct CompiledPlan::Step {
    int node;                      // the layer whose time this step counts in
    bool convert;                  // a layout/precision conversion, else the node's kernel
    std::vector<int> inputs;       // slots
    int output;                    // slot
    std::unique_ptr<Kernel> kernel;
};

namespace {

bool is_unary(Op op) { return op == Op::Relu || op == Op::Clip || op == Op::Sigmoid || op == Op::HardSigmoid || op == Op::HardSwish; }
bool is_view(Op op) { return op == Op::Flatten || op == Op::Reshape; }

template <typename T> bool contains(const std::vector<T>& v, T x) { return std::find(v.begin(), v.end(), x) != v.end(); }

std::string primitives_for(Op op) {
    std::string names;
    for (const auto& impl : Registry::instance().all())
        if (impl.op == op) names += (names.empty() ? "" : ", ") + impl.primitive;
    return names;
}

}  // namespace

CompiledPlan::~CompiledPlan() = default;

bool CompiledPlan::uses_int8() const {
    return std::any_of(choices_.begin(), choices_.end(), [](const Choice& c) { return c.precision == Precision::INT8; });
}

const char* volatile RunningLayer::layer = nullptr;
const char* volatile RunningLayer::primitive = nullptr;

NodeSpec node_spec(const Model& model, int node, const Choice& choice, const QuantTable* quant) {
    const GraphNode& g = model.nodes()[node];
    auto desc = [&](int value) {
        TensorDesc d;
        d.dims = model.values()[value].dims;
        d.layout = d.rank() == 4 ? choice.layout : Layout::NCHW;
        d.precision = choice.precision;
        if (choice.precision == Precision::INT8) {
            auto it = quant ? quant->find(value) : QuantTable::const_iterator{};
            if (!quant || it == quant->end()) throw Error(ErrorCode::Internal, "no calibration range for '" + model.values()[value].name + "'", g.name);
            d.quant = it->second;
        }
        return d;
    };
    NodeSpec spec = g.spec;
    for (int v : g.inputs) spec.inputs.push_back(desc(v));
    spec.output = desc(g.output);
    spec.threads = choice.threads;
    return spec;
}

std::string refusal(const Model& model, int node, const Choice& choice, const QuantTable* quant) {
    const Op op = model.nodes()[node].op;
    const PrimitiveImpl* impl = Registry::instance().find(choice.primitive, op);
    if (!impl) return "no primitive '" + choice.primitive + "' for " + to_string(op) + " (available: " + primitives_for(op) + ")";
    if (!contains(impl->layouts, choice.layout))
        return impl->primitive + " does not offer layout " + to_string(choice.layout) + " for " + to_string(op);
    if (!contains(impl->precisions, choice.precision))
        return impl->primitive + " does not offer precision " + to_string(choice.precision) + " for " + to_string(op);
    return impl->admits(node_spec(model, node, choice, quant));
}

Choice CompiledPlan::choose(const wire::Plan& plan, int node, NodeSpec& spec, const QuantTable* quant) {
    const GraphNode& g = model_.nodes()[node];
    const int default_threads = plan.default_threads() > 0 ? plan.default_threads() : 1;
    auto from_wire = [&](const wire::Choice& c) {
        Choice choice;
        choice.primitive = c.primitive();
        choice.layout = static_cast<Layout>(c.layout());
        choice.precision = static_cast<Precision>(c.precision());
        choice.threads = c.threads() > 0 ? c.threads() : default_threads;
        return choice;
    };
    auto try_choice = [&](const Choice& c) -> std::string {
        std::string why = refusal(model_, node, c, quant);
        if (why.empty()) spec = node_spec(model_, node, c, quant);
        return why;
    };

    auto named = plan.layers().find(g.name);
    if (named != plan.layers().end()) {
        Choice c = from_wire(named->second);
        if (c.threads < 1 || c.threads > 256) throw Error(ErrorCode::BadPlan, "threads must be between 1 and 256", g.name, c.primitive);
        if (named->second.layout() < wire::NCHW || named->second.layout() > wire::NCHW8C || named->second.precision() < wire::FP32 ||
            named->second.precision() > wire::INT8)
            throw Error(ErrorCode::BadPlan, "unknown layout or precision", g.name, c.primitive);
        std::string why = try_choice(c);
        if (!why.empty()) throw Error(ErrorCode::UnsupportedChoice, "layer '" + g.name + "': " + why, g.name, c.primitive);
        return c;
    }
    if (!plan.fallback().primitive().empty()) {
        Choice c = from_wire(plan.fallback());
        if (try_choice(c).empty()) return c;
    }
    // Unnamed: stay in the layout the first input already has (no conversion), with our own kernels.
    Layout home = Layout::NCHW;
    if (!g.inputs.empty()) home = slots_[home_slot_[g.inputs[0]]].desc.layout;
    for (Layout layout : {home, Layout::NCHW}) {
        for (const char* name : {"neon", "gemm_neon", "ref"}) {
            Choice c{name, layout, Precision::FP32, default_threads};
            if (try_choice(c).empty()) return c;
        }
    }
    throw Error(ErrorCode::UnsupportedChoice, "layer '" + g.name + "': no primitive admits it", g.name);
}

int CompiledPlan::new_slot(int value, const TensorDesc& desc, int storage) {
    if (storage < 0) {
        storage = static_cast<int>(storages_.size());
        storages_.push_back(Storage{desc.bytes()});
    }
    storages_[storage].bytes = std::max(storages_[storage].bytes, desc.bytes());
    slots_.push_back(Slot{value, desc, storage});
    return static_cast<int>(slots_.size()) - 1;
}

int CompiledPlan::slot_for(int value, const TensorDesc& desc, int node) {
    const int home = home_slot_[value];
    if (slots_[home].desc.same_form(desc)) return home;
    for (size_t s = 0; s < slots_.size(); ++s)
        if (slots_[s].value == value && slots_[s].desc.same_form(desc)) return static_cast<int>(s);
    int slot = new_slot(value, desc, -1);
    steps_.push_back(Step{node, true, {home}, slot, nullptr});
    return slot;
}

CompiledPlan::CompiledPlan(const Model& model, const wire::Plan& plan, const QuantTable* quant) : model_(model) {
    const auto& values = model.values();
    home_slot_.assign(values.size(), -1);
    for (int v : model.inputs()) home_slot_[v] = new_slot(v, TensorDesc{values[v].dims}, -1);

    const auto& nodes = model.nodes();
    memory_.node_weights.assign(nodes.size(), 0);
    memory_.node_workspace.assign(nodes.size(), 0);
    memory_.node_output.assign(nodes.size(), 0);
    for (int i = 0; i < static_cast<int>(nodes.size()); ++i) {
        const GraphNode& g = nodes[i];
        NodeSpec spec = g.spec;
        Choice choice = choose(plan, i, spec, quant);
        choices_.push_back(choice);
        memory_.node_output[i] = spec.output.bytes();

        std::vector<int> in_slots;
        for (size_t k = 0; k < g.inputs.size(); ++k) in_slots.push_back(slot_for(g.inputs[k], spec.inputs[k], i));

        // Outputs share their input's storage where nothing else can observe the difference.
        int storage = -1;
        const int in0 = g.inputs.empty() ? -1 : g.inputs[0];
        const Value* v0 = in0 >= 0 ? &values[in0] : nullptr;
        const bool last_use = v0 && !v0->graph_input && !v0->graph_output &&
                              std::all_of(v0->consumers.begin(), v0->consumers.end(), [&](int c) { return c <= i; }) &&
                              std::count(g.inputs.begin(), g.inputs.end(), in0) == 1;
        const bool same_size = v0 && spec.inputs[0].bytes() == spec.output.bytes() && spec.inputs[0].same_form(spec.output);
        const bool unshared = v0 && std::count_if(slots_.begin(), slots_.end(), [&](const Slot& s) { return s.storage == slots_[in_slots[0]].storage; }) == 1;
        if (v0 && is_view(g.op) && spec.inputs[0].layout == Layout::NCHW) {
            // A view: the output is the input's bytes under another shape; both stay readable.
            home_slot_[g.output] = new_slot(g.output, spec.output, slots_[in_slots[0]].storage);
            continue;
        }
        if (last_use && same_size && unshared && (is_unary(g.op) || ((g.op == Op::Add || g.op == Op::Mul) && spec.inputs[0].dims == spec.output.dims)))
            storage = slots_[in_slots[0]].storage;
        int out_slot = new_slot(g.output, spec.output, storage);
        home_slot_[g.output] = out_slot;

        const PrimitiveImpl* impl = Registry::instance().find(choice.primitive, g.op);
        std::unique_ptr<Kernel> kernel;
        try {
            kernel = impl->create(spec);
        } catch (const Error&) {
            throw;
        } catch (const std::bad_alloc&) {
            throw Error(ErrorCode::OutOfMemory, "out of memory preparing layer '" + g.name + "'", g.name, choice.primitive);
        } catch (const std::exception& e) {
            throw Error(ErrorCode::UnsupportedChoice, "layer '" + g.name + "': " + choice.primitive + " failed to prepare: " + e.what(), g.name,
                        choice.primitive);
        }
        memory_.weights += kernel->weight_bytes();
        memory_.workspace = std::max(memory_.workspace, kernel->workspace_bytes());
        memory_.node_weights[i] = kernel->weight_bytes();
        memory_.node_workspace[i] = kernel->workspace_bytes();
        steps_.push_back(Step{i, false, in_slots, out_slot, std::move(kernel)});
    }
    for (int v : model.outputs()) {
        TensorDesc plain{values[v].dims};
        const int home = home_slot_[v];
        if (slots_[home].desc.same_form(plain)) {
            output_slots_.push_back(home);
        } else {
            int slot = new_slot(v, plain, -1);
            steps_.push_back(Step{values[v].producer, true, {home}, slot, nullptr});
            output_slots_.push_back(slot);
        }
    }
    plan_arena();
    arena_ = Buffer(memory_.arena);
    workspace_ = Buffer(memory_.workspace);
}

void CompiledPlan::plan_arena() {
    const int n_steps = static_cast<int>(steps_.size());
    for (auto& s : storages_) {
        s.first = n_steps;
        s.last = -1;
    }
    auto touch = [&](int slot, int step) {
        Storage& s = storages_[slots_[slot].storage];
        s.first = std::min(s.first, step);
        s.last = std::max(s.last, step);
    };
    for (int v : model_.inputs()) touch(home_slot_[v], -1);  // written before the first step
    for (int st = 0; st < n_steps; ++st) {
        for (int in : steps_[st].inputs) touch(in, st);
        touch(steps_[st].output, st);
    }
    for (int slot : output_slots_) touch(slot, n_steps);  // read after the last step
    // Greedy placement, largest first, at the lowest offset free for the storage's whole lifetime.
    std::vector<int> order(storages_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return storages_[a].bytes > storages_[b].bytes; });
    std::vector<int> placed;
    size_t arena = 0;
    for (int id : order) {
        Storage& s = storages_[id];
        const size_t bytes = (s.bytes + 63) / 64 * 64;
        std::vector<std::pair<size_t, size_t>> busy;
        for (int p : placed) {
            const Storage& o = storages_[p];
            if (o.first <= s.last && s.first <= o.last) busy.push_back({o.offset, o.offset + (o.bytes + 63) / 64 * 64});
        }
        std::sort(busy.begin(), busy.end());
        size_t offset = 0;
        for (auto [lo, hi] : busy) {
            if (offset + bytes <= lo) break;
            offset = std::max(offset, hi);
        }
        s.offset = offset;
        arena = std::max(arena, offset + bytes);
        placed.push_back(id);
    }
    memory_.arena = arena;
}

RunTimes CompiledPlan::run(const std::vector<const float*>& inputs, const Observer& observe) {
    using clock = std::chrono::steady_clock;
    auto* base = static_cast<uint8_t*>(arena_.data());
    auto ptr = [&](int slot) { return base + storages_[slots_[slot].storage].offset; };
    for (size_t i = 0; i < model_.inputs().size(); ++i) {
        const int slot = home_slot_[model_.inputs()[i]];
        std::memcpy(ptr(slot), inputs.at(i), slots_[slot].desc.bytes());
    }
    RunTimes t;
    t.compute.assign(model_.nodes().size(), 0.0);
    t.conversion.assign(model_.nodes().size(), 0.0);
    ThreadPool& pool = ThreadPool::shared();
    std::vector<const void*> in_ptrs;
    const auto start = clock::now();
    for (Step& step : steps_) {
        const auto t0 = clock::now();
        const Slot& out = slots_[step.output];
        if (step.convert) {
            const Slot& in = slots_[step.inputs[0]];
            convert(in.desc, ptr(step.inputs[0]), out.desc, ptr(step.output), pool, choices_[step.node].threads);
        } else {
            in_ptrs.clear();
            for (int s : step.inputs) in_ptrs.push_back(ptr(s));
            KernelArgs args{in_ptrs, ptr(step.output), workspace_.data(), &pool, choices_[step.node].threads};
            RunningLayer::layer = model_.nodes()[step.node].name.c_str();
            RunningLayer::primitive = choices_[step.node].primitive.c_str();
            step.kernel->run(args);
        }
        const double dt = std::chrono::duration<double>(clock::now() - t0).count();
        (step.convert ? t.conversion : t.compute)[step.node] += dt;
        if (observe && !step.convert) observe(out.value, ptr(step.output), out.desc);
    }
    t.total = std::chrono::duration<double>(clock::now() - start).count();
    RunningLayer::layer = nullptr;
    RunningLayer::primitive = nullptr;
    return t;
}

std::vector<std::vector<float>> CompiledPlan::outputs() const {
    const auto* base = static_cast<const uint8_t*>(arena_.data());
    std::vector<std::vector<float>> result;
    for (int slot : output_slots_) {
        const Slot& s = slots_[slot];
        std::vector<float> data(static_cast<size_t>(s.desc.numel()));
        std::memcpy(data.data(), base + storages_[s.storage].offset, data.size() * sizeof(float));
        result.push_back(std::move(data));
    }
    return result;
}

}  // namespace dsx
