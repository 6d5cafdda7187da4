// Builds small wire graphs with seeded weights for executor tests.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "dsx_executor.pb.h"

namespace dsx::testing {

class GraphBuilder {
public:
    explicit GraphBuilder(std::vector<int64_t> input_shape, uint32_t seed = 7) : rng_(seed) {
        auto* in = graph_.add_inputs();
        in->set_name("input");
        for (int64_t d : input_shape) in->add_shape(d);
    }

    std::string conv(const std::string& in, int64_t c_in, int64_t c_out, int k, int stride, int pad, int groups = 1,
                     wire::FusedActivation act = wire::FUSED_RELU) {
        wire::Node* n = node(wire::CONV, {in});
        n->set_weight(tensor({c_out, c_in / groups, k, k}, 0.5f / std::sqrt(float(c_in / groups * k * k))));
        n->set_bias(tensor({c_out}, 0.1f));
        for (int i = 0; i < 2; ++i) n->add_strides(stride);
        for (int i = 0; i < 4; ++i) n->add_pads(pad);
        n->set_group(groups);
        n->set_activation(act);
        if (act == wire::FUSED_CLIP) {
            n->set_act_min(0.0f);
            n->set_act_max(6.0f);
        }
        return n->output();
    }
    std::string fc(const std::string& in, int64_t k, int64_t m) {
        wire::Node* n = node(wire::FULLY_CONNECTED, {in});
        n->set_weight(tensor({m, k}, 1.0f / std::sqrt(float(k))));
        n->set_bias(tensor({m}, 0.1f));
        return n->output();
    }
    std::string pool(wire::OpType op, const std::string& in, int k, int stride, int pad) {
        wire::Node* n = node(op, {in});
        for (int i = 0; i < 2; ++i) n->add_kernel(k), n->add_strides(stride);
        for (int i = 0; i < 4; ++i) n->add_pads(pad);
        return n->output();
    }
    std::string op(wire::OpType type, std::vector<std::string> inputs, int axis = 1) {
        wire::Node* n = node(type, inputs);
        n->set_axis(axis);
        return n->output();
    }
    wire::Node& last() { return *graph_.mutable_nodes(graph_.nodes_size() - 1); }

    wire::Graph finish(const std::string& output) {
        graph_.add_outputs()->set_name(output);
        graph_.set_name("test");
        return graph_;
    }

private:
    wire::Node* node(wire::OpType type, const std::vector<std::string>& inputs) {
        wire::Node* n = graph_.add_nodes();
        // std::string::append, not operator+: GCC 12 -O3 flags a false -Wrestrict on "literal" + string.
        const std::string id = std::to_string(graph_.nodes_size());
        n->set_name(std::string("n").append(id));
        n->set_op(type);
        for (const auto& i : inputs) n->add_inputs(i);
        n->set_output(std::string("v").append(id));
        return n;
    }
    std::string tensor(std::vector<int64_t> dims, float scale) {
        wire::Tensor* t = graph_.add_initializers();
        t->set_name(std::string("w").append(std::to_string(graph_.initializers_size())));
        size_t n = 1;
        for (int64_t d : dims) t->add_dims(d), n *= static_cast<size_t>(d);
        std::uniform_real_distribution<float> u(-scale, scale);
        std::vector<float> data(n);
        for (float& x : data) x = u(rng_);
        t->set_float_data(data.data(), n * sizeof(float));
        return t->name();
    }

    wire::Graph graph_;
    std::mt19937 rng_;
};

// A residual block, a depthwise conv, pooling and a classifier: every layout/precision boundary kind.
inline wire::Graph small_network() {
    GraphBuilder b({1, 3, 20, 20});
    std::string x = b.conv("input", 3, 16, 3, 2, 1);                    // 16x10x10
    std::string y = b.conv(x, 16, 16, 3, 1, 1, 16, wire::FUSED_CLIP);  // depthwise
    y = b.conv(y, 16, 16, 1, 1, 0, 1, wire::FUSED_NONE);
    x = b.op(wire::ADD, {x, y});
    x = b.op(wire::RELU, {x});
    x = b.pool(wire::MAX_POOL, x, 3, 2, 1);  // 16x5x5
    x = b.conv(x, 16, 24, 3, 1, 1);
    x = b.op(wire::GLOBAL_AVERAGE_POOL, {x});
    x = b.op(wire::FLATTEN, {x});
    x = b.fc(x, 24, 10);
    return b.finish(x);
}

}  // namespace dsx::testing
