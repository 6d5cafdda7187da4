// Shared pieces of the Concat kernels: node checks, and the copy loop over each input's contiguous run per
// outer index (in NHWC the channel axis is the innermost one in memory, so the same loop works on physical
// dims). FP32 and INT8; an INT8 input whose quantisation differs from the output's is requantised on the way.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "dsx/kernel.h"

namespace dsx::concat {

std::string concat_problem(const NodeSpec& spec);

// Elements per outer index of the output and of each input.
struct Geometry {
    int64_t outer = 1, out_run = 1;
    std::vector<int64_t> runs;  // per input

    explicit Geometry(const NodeSpec& spec);
};

// `Requant(src, dst, count, from, to)` copies `count` int8 values from quantisation `from` to `to`.
template <class Requant>
class ConcatKernel final : public Kernel {
public:
    explicit ConcatKernel(const NodeSpec& spec) : geometry_(spec), int8_(spec.output.precision == Precision::INT8), out_(spec.output.quant) {
        for (const TensorDesc& in : spec.inputs) {
            in_.push_back(in.quant);
            copy_.push_back(!int8_ || (in.quant.scale == out_.scale && in.quant.zero_point == out_.zero_point));
        }
    }

    void run(const KernelArgs& args) override {
        const size_t element = int8_ ? 1 : sizeof(float);
        auto* y = static_cast<uint8_t*>(args.output);
        const Geometry& g = geometry_;
        args.pool->parallel_for(g.outer, args.threads, [&](int64_t begin, int64_t end) {
            for (int64_t o = begin; o < end; ++o) {
                uint8_t* dst = y + o * g.out_run * element;
                for (size_t i = 0; i < g.runs.size(); ++i) {
                    const auto* src = static_cast<const uint8_t*>(args.inputs[i]) + o * g.runs[i] * element;
                    if (copy_[i]) std::memcpy(dst, src, static_cast<size_t>(g.runs[i]) * element);
                    else Requant{}(reinterpret_cast<const int8_t*>(src), reinterpret_cast<int8_t*>(dst), g.runs[i], in_[i], out_);
                    dst += g.runs[i] * element;
                }
            }
        });
    }

private:
    Geometry geometry_;
    bool int8_;
    Quant out_;
    std::vector<Quant> in_;
    std::vector<bool> copy_;  // per input: a plain copy (FP32, or INT8 already in the output's quantisation)
};

template <class Requant>
PrimitiveImpl make_impl(const char* primitive, std::vector<Precision> precisions) {
    return {
        .primitive = primitive,
        .library = "",
        .op = Op::Concat,
        .layouts = {Layout::NCHW, Layout::NHWC},
        .precisions = std::move(precisions),
        .threaded = true,
        .admits = concat_problem,
        .create = create_kernel<ConcatKernel<Requant>>,
    };
}

}  // namespace dsx::concat
