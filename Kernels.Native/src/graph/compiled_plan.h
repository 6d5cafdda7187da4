// A plan bound to a model: a kernel per node, the layout/precision conversions between them, and one
// activation arena laid out by liveness. Built once per (model, plan), then run many times.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dsx/kernel.h"
#include "graph/model.h"

namespace dsx {

struct Choice {
    std::string primitive;
    Layout layout = Layout::NCHW;
    Precision precision = Precision::FP32;
    int threads = 1;
};

// Activation quantisation per value index, from calibration; needed only by plans with INT8 nodes.
using QuantTable = std::map<int, Quant>;

struct MemoryUse {
    size_t weights = 0;    // what the kernels keep for weights
    size_t arena = 0;      // activations after liveness reuse
    size_t workspace = 0;  // largest per-step scratch
    size_t peak() const { return weights + arena + workspace; }
    // Per node: its kernel's packed weights, scratch and output bytes (for per-layer memory objectives).
    std::vector<size_t> node_weights, node_workspace, node_output;
};

// Times of one run, in seconds: per node, its kernel and the conversions of its inputs.
struct RunTimes {
    std::vector<double> compute, conversion;
    double total = 0;
};

// The node's NodeSpec with its tensors described for `choice` (layout, precision, calibrated quantisation).
NodeSpec node_spec(const Model& model, int node, const Choice& choice, const QuantTable* quant);

// Why `choice` cannot run node `node`, or "" when it can.
std::string refusal(const Model& model, int node, const Choice& choice, const QuantTable* quant);

// The layer the executor is running now (for crash reports); null between runs.
struct RunningLayer {
    static const char* volatile layer;
    static const char* volatile primitive;
};

class CompiledPlan {
public:
    // Throws dsx::Error (UnsupportedChoice, BadPlan) naming the layer whose choice cannot be honoured.
    CompiledPlan(const Model& model, const wire::Plan& plan, const QuantTable* quant);
    ~CompiledPlan();

    const std::vector<Choice>& choices() const { return choices_; }
    const MemoryUse& memory() const { return memory_; }
    bool uses_int8() const;

    // Inputs are NCHW FP32 in graph-input order. `observe` (optional) sees every node's output right after
    // the node ran, as value index + data + description.
    using Observer = std::function<void(int value, const void* data, const TensorDesc& desc)>;
    RunTimes run(const std::vector<const float*>& inputs, const Observer& observe = {});
    // Graph outputs of the last run, NCHW FP32.
    std::vector<std::vector<float>> outputs() const;

private:
    struct Slot;
    struct Storage;
    struct Step;

    Choice choose(const wire::Plan& plan, int node, NodeSpec& spec, const QuantTable* quant);
    int slot_for(int value, const TensorDesc& desc, int node);
    int new_slot(int value, const TensorDesc& desc, int storage);
    void plan_arena();

    const Model& model_;
    std::vector<Choice> choices_;
    std::vector<Slot> slots_;
    std::vector<Storage> storages_;
    std::vector<Step> steps_;
    std::vector<int> home_slot_;     // per value: the slot its producer writes
    std::vector<int> output_slots_;  // per graph output: its NCHW FP32 slot
    MemoryUse memory_;
    Buffer arena_, workspace_;
};

}  // namespace dsx
