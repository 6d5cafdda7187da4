#include <stdexcept>

#include "dsx/kernel.h"

namespace dsx {

const char* to_string(Op op) {
    switch (op) {
        case Op::Conv: return "Conv";
        case Op::FullyConnected: return "FullyConnected";
        case Op::MaxPool: return "MaxPool";
        case Op::AveragePool: return "AveragePool";
        case Op::GlobalAveragePool: return "GlobalAveragePool";
        case Op::Relu: return "Relu";
        case Op::Clip: return "Clip";
        case Op::Sigmoid: return "Sigmoid";
        case Op::HardSigmoid: return "HardSigmoid";
        case Op::HardSwish: return "HardSwish";
        case Op::Add: return "Add";
        case Op::Mul: return "Mul";
        case Op::Concat: return "Concat";
        case Op::Flatten: return "Flatten";
        case Op::Reshape: return "Reshape";
        case Op::Transpose: return "Transpose";
        case Op::Softmax: return "Softmax";
    }
    return "?";
}

Registry& Registry::instance() {
    static Registry registry;
    return registry;
}

void Registry::add(PrimitiveImpl impl) {
    if (find(impl.primitive, impl.op)) throw std::logic_error("primitive registered twice: " + impl.primitive + " for " + to_string(impl.op));
    impls_.push_back(std::move(impl));
}

const PrimitiveImpl* Registry::find(const std::string& primitive, Op op) const {
    for (const auto& impl : impls_)
        if (impl.primitive == primitive && impl.op == op) return &impl;
    return nullptr;
}

}  // namespace dsx
