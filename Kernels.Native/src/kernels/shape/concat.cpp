// Reference Concat: a copy of each input's contiguous run per outer index. In NHWC the channel axis is
// the innermost one in memory, so the same loop works on physical dims.
#include <cstring>

#include "shape.h"

namespace dsx {
namespace {

// Dims in memory order and where logical `axis` sits among them.
struct Physical {
    std::vector<int64_t> dims;
    int axis;
};

Physical physical(const TensorDesc& d, int axis) {
    if (d.rank() != 4 || d.layout != Layout::NHWC) return {d.dims, axis};
    constexpr int kNhwcPosition[] = {0, 3, 1, 2};  // logical N, C, H, W -> memory position
    return {{d.dims[0], d.dims[2], d.dims[3], d.dims[1]}, kNhwcPosition[axis]};
}

// Elements of `p` before its axis (outer) and from it on (one contiguous run per outer index).
std::pair<int64_t, int64_t> split(const Physical& p) {
    int64_t outer = 1, run = 1;
    for (int k = 0; k < static_cast<int>(p.dims.size()); ++k) (k < p.axis ? outer : run) *= p.dims[k];
    return {outer, run};
}

std::string concat_problem(const NodeSpec& spec) {
    const TensorDesc& out = spec.output;
    const int axis = normalized_axis(spec.axis, out.rank());
    if (spec.inputs.empty() || axis < 0) return "Concat needs inputs and an axis inside the output's rank";
    int64_t along = 0;
    for (const TensorDesc& in : spec.inputs) {
        bool fits = in.rank() == out.rank();
        for (int k = 0; fits && k < out.rank(); ++k) fits = k == axis || in.dims[k] == out.dims[k];
        if (!fits) return "Concat input " + in.str() + " does not fit the output " + out.str();
        along += in.dims[axis];
    }
    if (along != out.dims[axis]) return "Concat inputs do not add up to the output " + out.str();
    return "";
}

class ConcatRef final : public Kernel {
public:
    explicit ConcatRef(const NodeSpec& spec) {
        const int axis = normalized_axis(spec.axis, spec.output.rank());
        std::tie(outer_, out_run_) = split(physical(spec.output, axis));
        for (const TensorDesc& in : spec.inputs) runs_.push_back(split(physical(in, axis)).second);
    }

    void run(const KernelArgs& args) override {
        float* y = static_cast<float*>(args.output);
        args.pool->parallel_for(outer_, args.threads, [&](int64_t begin, int64_t end) {
            for (int64_t o = begin; o < end; ++o) {
                float* dst = y + o * out_run_;
                for (size_t i = 0; i < runs_.size(); ++i) {
                    const float* src = static_cast<const float*>(args.inputs[i]) + o * runs_[i];
                    std::memcpy(dst, src, static_cast<size_t>(runs_[i]) * sizeof(float));
                    dst += runs_[i];
                }
            }
        });
    }

private:
    int64_t outer_ = 1, out_run_ = 1;
    std::vector<int64_t> runs_;  // per input
};

const RegisterPrimitive kConcatRef(shape::make_ref<ConcatRef>(Op::Concat, {Layout::NCHW, Layout::NHWC}, concat_problem));

}  // namespace
}  // namespace dsx
