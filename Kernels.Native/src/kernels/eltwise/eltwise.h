// Shared pieces of the element-wise kernels: scalar definitions of the activations and of Add/Mul,
// NumPy broadcast offsets, and the classification of the broadcasts the vector kernels handle.
#pragma once

#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "dsx/convert.h"
#include "dsx/kernel.h"
#include "../shape/shape.h"

namespace dsx::eltwise {

// Scalar definition of each unary activation (alpha/beta: Clip's min/max, HardSigmoid's slope/offset).
template <Op kOp>
inline float activate(float x, float alpha, float beta) {
    if constexpr (kOp == Op::Relu) return std::max(x, 0.0f);
    else if constexpr (kOp == Op::Clip) return std::min(std::max(x, alpha), beta);
    else if constexpr (kOp == Op::Sigmoid) return 1.0f / (1.0f + std::exp(-x));
    else if constexpr (kOp == Op::HardSigmoid) return std::max(0.0f, std::min(1.0f, alpha * x + beta));
    else {
        static_assert(kOp == Op::HardSwish);
        return x * std::max(0.0f, std::min(1.0f, x / 6.0f + 0.5f));
    }
}

template <Op kOp>
inline float combine(float a, float b) {
    static_assert(kOp == Op::Add || kOp == Op::Mul);
    return kOp == Op::Add ? a + b : a * b;
}

// Activations take FP32 data of any rank and keep its shape.
inline std::string unary_problem(const NodeSpec& spec) {
    if (spec.inputs.size() != 1) return to_string(spec.op) + std::string(" takes one input");
    if (spec.inputs[0].dims != spec.output.dims) return "output shape differs from the input's";
    return "";
}

// `d`'s dims right-aligned to `rank` (NumPy broadcast), missing leading dims as 1.
inline std::vector<int64_t> aligned_dims(const TensorDesc& d, int rank) {
    std::vector<int64_t> dims(static_cast<size_t>(rank - d.rank()), 1);
    dims.insert(dims.end(), d.dims.begin(), d.dims.end());
    return dims;
}

// Empty when both inputs broadcast to the output's shape.
inline std::string binary_problem(const NodeSpec& spec) {
    if (spec.inputs.size() != 2) return to_string(spec.op) + std::string(" takes two inputs");
    const TensorDesc& out = spec.output;
    for (const TensorDesc& in : spec.inputs) {
        if (in.rank() > out.rank()) return "input " + in.str() + " has a higher rank than the output " + out.str();
        std::vector<int64_t> a = aligned_dims(in, out.rank());
        for (int k = 0; k < out.rank(); ++k)
            if (a[k] != out.dims[k] && a[k] != 1) return "input " + in.str() + " does not broadcast to " + out.str();
    }
    return "";
}

// Where an operand holds the element at a logical output index (the output's rank): its own layout's
// physical offset for rank-4 operands, row-major for lower ranks; broadcast dims read index 0.
class BroadcastIndex {
public:
    BroadcastIndex(const TensorDesc& operand, int out_rank)
        : d_(operand), dims_(aligned_dims(operand, out_rank)), strides_(row_major_strides(dims_)) {
        for (size_t k = 0; k < dims_.size(); ++k)
            if (dims_[k] == 1) strides_[k] = 0;
    }

    int64_t offset(std::span<const int64_t> idx) const {
        if (d_.rank() == 4) {
            auto at = [&](size_t k) { return dims_[k] == 1 ? 0 : idx[k]; };
            return offset_of(d_, at(0), at(1), at(2), at(3));
        }
        int64_t o = 0;
        for (size_t k = 0; k < idx.size(); ++k) o += idx[k] * strides_[k];
        return o;
    }

private:
    TensorDesc d_;
    std::vector<int64_t> dims_;
    std::vector<int64_t> strides_;  // row-major, 0 on broadcast dims
};

// Shapes the vector Add/Mul handle: identical operands, or one full operand and one holding a value per
// channel ((N|1, C, 1, 1) for rank 4, (1, C) for rank 2) with channels at logical axis 1.
struct BinaryShape {
    enum Kind { Same, PerChannel, Other } kind = Other;
    int full = 0;                 // PerChannel: the operand with the output's shape
    bool per_image = false;       // PerChannel: the channel operand has one row of C values per image
};

inline BinaryShape classify_binary(const NodeSpec& spec) {
    const TensorDesc& out = spec.output;
    if (spec.inputs[0].dims == out.dims && spec.inputs[1].dims == out.dims) return {BinaryShape::Same};
    if (out.rank() != 4 && out.rank() != 2) return {};
    for (int full = 0; full < 2; ++full) {
        if (spec.inputs[full].dims != out.dims) continue;
        std::vector<int64_t> b = aligned_dims(spec.inputs[1 - full], out.rank());
        bool per_channel = b[1] == out.dims[1] && (b[0] == 1 || b[0] == out.dims[0]);
        for (size_t k = 2; k < b.size(); ++k) per_channel &= b[k] == 1;
        if (per_channel) return {BinaryShape::PerChannel, full, b[0] != 1};
    }
    return {};
}

// Registration of kernel template K<kOp> as `primitive`: FP32, NCHW and NHWC (element-wise ops only
// care where each element sits, which offset_of and the per-layout paths handle).
template <template <Op> class K, Op kOp>
PrimitiveImpl make_impl(const char* primitive, std::string (*problem)(const NodeSpec&)) {
    return {
        .primitive = primitive,
        .library = "",
        .op = kOp,
        .layouts = {Layout::NCHW, Layout::NHWC},
        .precisions = {Precision::FP32},
        .threaded = true,
        .admits = problem,
        .create = create_kernel<K<kOp>>,
    };
}

}  // namespace dsx::eltwise
