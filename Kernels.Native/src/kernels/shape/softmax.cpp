// Reference Softmax along one axis (ONNX opset 13): exp(x - max) / sum, the max keeping exp finite.
#include <algorithm>
#include <cmath>

#include "shape.h"

namespace dsx {
namespace {

std::string softmax_problem(const NodeSpec& spec) {
    if (spec.inputs.size() != 1 || spec.inputs[0].dims != spec.output.dims) return "Softmax keeps its input's shape";
    if (normalized_axis(spec.axis, spec.output.rank()) < 0) return "Softmax axis outside the rank";
    return "";
}

class SoftmaxRef final : public Kernel {
public:
    explicit SoftmaxRef(const NodeSpec& spec) {
        const std::vector<int64_t>& dims = spec.output.dims;
        const int axis = normalized_axis(spec.axis, spec.output.rank());
        for (int k = 0; k < static_cast<int>(dims.size()); ++k) (k < axis ? outer_ : k == axis ? len_ : inner_) *= dims[k];
    }

    void run(const KernelArgs& args) override {
        const float* x = static_cast<const float*>(args.inputs[0]);
        float* y = static_cast<float*>(args.output);
        // One item per (outer, inner) pair: a line of len_ elements inner_ apart.
        args.pool->parallel_for(outer_ * inner_, args.threads, [&](int64_t begin, int64_t end) {
            for (int64_t item = begin; item < end; ++item) {
                const int64_t start = item / inner_ * len_ * inner_ + item % inner_;
                const float* src = x + start;
                float* dst = y + start;
                float m = src[0];
                for (int64_t i = 1; i < len_; ++i) m = std::max(m, src[i * inner_]);
                float sum = 0.0f;
                for (int64_t i = 0; i < len_; ++i) sum += dst[i * inner_] = std::exp(src[i * inner_] - m);
                for (int64_t i = 0; i < len_; ++i) dst[i * inner_] /= sum;
            }
        });
    }

private:
    int64_t outer_ = 1, len_ = 1, inner_ = 1;
};

const RegisterPrimitive kSoftmaxRef(shape::make_ref<SoftmaxRef>(Op::Softmax, {Layout::NCHW}, softmax_problem));

}  // namespace
}  // namespace dsx
