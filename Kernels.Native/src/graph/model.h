// A network as the executor holds it: the wire IR validated, shapes inferred, weights owned.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "dsx/kernel.h"
#include "dsx_executor.pb.h"

namespace dsx {

// The largest tensor a model may hold, in elements (8 GiB of float32): bounds every size computed from a graph.
constexpr int64_t kMaxTensorElements = (int64_t{1} << 31) - 1;

struct Value {
    std::string name;
    std::vector<int64_t> dims;  // logical; NCHW for rank 4
    int producer = -1;          // node index, -1 for a graph input
    std::vector<int> consumers;
    bool graph_input = false;
    bool graph_output = false;
};

struct GraphNode {
    std::string name;
    Op op;
    std::vector<int> inputs;  // value indices
    int output = -1;
    NodeSpec spec;            // attributes and weights; tensor descriptions are filled in per plan
};

struct Weights {
    std::vector<int64_t> dims;
    std::vector<float> data;
};

class Model {
public:
    // Validates the graph and infers every shape; throws dsx::Error naming the node at fault.
    explicit Model(const wire::Graph& graph);

    const std::string& name() const { return name_; }
    const std::vector<Value>& values() const { return values_; }
    const std::vector<GraphNode>& nodes() const { return nodes_; }
    const std::vector<int>& inputs() const { return inputs_; }
    const std::vector<int>& outputs() const { return outputs_; }
    int value_index(const std::string& name) const;
    size_t weight_bytes() const;
    // Weights plus every value held as float32: what running the model needs at least, before any plan's layouts.
    size_t footprint_bytes() const;

private:
    const Weights* weights(const std::string& name, const GraphNode& node, bool required) const;
    void add_node(const wire::Node& wn, int index);
    void infer(GraphNode& node, const wire::Node& wn);

    std::string name_;
    std::vector<Value> values_;
    std::map<std::string, int> value_by_name_;
    std::vector<GraphNode> nodes_;
    std::vector<int> inputs_, outputs_;
    std::map<std::string, Weights> weights_;
};

}  // namespace dsx
