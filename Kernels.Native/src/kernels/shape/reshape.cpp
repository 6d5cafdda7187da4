// Reference Flatten and Reshape: the data of a row-major tensor does not move, so the kernel is a copy
// (the executor aliases the buffers when it can; then there is nothing to do).
#include <cstring>

#include "shape.h"

namespace dsx {
namespace {

std::string reshape_problem(const NodeSpec& spec) {
    if (spec.inputs.size() != 1 || spec.inputs[0].numel() != spec.output.numel())
        return "output " + spec.output.str() + " does not hold the input's elements";
    return "";
}

std::string flatten_problem(const NodeSpec& spec) {
    if (spec.inputs.size() != 1) return "Flatten takes one input";
    const TensorDesc& in = spec.inputs[0];
    // ONNX allows axis == rank (everything in the first dim).
    const int axis = spec.axis < 0 ? spec.axis + in.rank() : spec.axis;
    if (axis < 0 || axis > in.rank()) return "Flatten axis outside the input's rank";
    int64_t outer = 1;
    for (int k = 0; k < axis; ++k) outer *= in.dims[k];
    if (spec.output.dims != std::vector<int64_t>{outer, in.numel() / std::max<int64_t>(outer, 1)})
        return "Flatten output " + spec.output.str() + " does not match the input " + in.str();
    return "";
}

class CopyRef final : public Kernel {
public:
    explicit CopyRef(const NodeSpec& spec) : n_(spec.output.numel()) {}

    void run(const KernelArgs& args) override {
        const float* x = static_cast<const float*>(args.inputs[0]);
        float* y = static_cast<float*>(args.output);
        if (x == y) return;
        args.pool->parallel_for(n_, args.threads, [&](int64_t begin, int64_t end) {
            std::memcpy(y + begin, x + begin, static_cast<size_t>(end - begin) * sizeof(float));
        });
    }

private:
    int64_t n_;
};

const RegisterPrimitive kFlattenRef(shape::make_ref<CopyRef>(Op::Flatten, {Layout::NCHW}, flatten_problem));
const RegisterPrimitive kReshapeRef(shape::make_ref<CopyRef>(Op::Reshape, {Layout::NCHW}, reshape_problem));

}  // namespace
}  // namespace dsx
