// Reference Transpose of a row-major tensor: out[i0..ir] = in[j] with j[perm[k]] = i[k].
#include "shape.h"

namespace dsx {
namespace {

std::string transpose_problem(const NodeSpec& spec) {
    if (spec.inputs.size() != 1) return "Transpose takes one input";
    const TensorDesc& in = spec.inputs[0];
    const int r = in.rank();
    std::vector<bool> seen(static_cast<size_t>(r), false);
    if (static_cast<int>(spec.perm.size()) != r || spec.output.rank() != r) return "Transpose perm does not match the rank";
    for (int k = 0; k < r; ++k) {
        const int p = spec.perm[k];
        if (p < 0 || p >= r || seen[p]) return "Transpose perm is not a permutation";
        seen[p] = true;
        if (spec.output.dims[k] != in.dims[p]) return "Transpose output " + spec.output.str() + " does not match perm";
    }
    return "";
}

class TransposeRef final : public Kernel {
public:
    explicit TransposeRef(const NodeSpec& spec) : out_dims_(spec.output.dims) {
        const std::vector<int64_t> in_strides = row_major_strides(spec.inputs[0].dims);
        for (int p : spec.perm) strides_.push_back(in_strides[p]);
    }

    void run(const KernelArgs& args) override {
        const float* x = static_cast<const float*>(args.inputs[0]);
        float* y = static_cast<float*>(args.output);
        int64_t n = 1;
        for (int64_t d : out_dims_) n *= d;
        args.pool->parallel_for(n, args.threads, [&](int64_t begin, int64_t end) {
            Odometer at(out_dims_, begin);
            for (int64_t i = begin; i < end; ++i, at.next()) {
                int64_t src = 0;
                for (size_t k = 0; k < strides_.size(); ++k) src += at.index()[k] * strides_[k];
                y[i] = x[src];
            }
        });
    }

private:
    std::vector<int64_t> out_dims_;
    std::vector<int64_t> strides_;  // input stride of each output axis
};

const RegisterPrimitive kTransposeRef(shape::make_ref<TransposeRef>(Op::Transpose, {Layout::NCHW}, transpose_problem));

}  // namespace
}  // namespace dsx
