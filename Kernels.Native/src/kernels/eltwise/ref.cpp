// Reference element-wise ops: the unary activations (layout-agnostic, safe in place) and Add/Mul with
// NumPy broadcast, reading every operand through its physical offset so NCHW and NHWC both work.
#include "eltwise.h"

namespace dsx {
namespace {

using namespace eltwise;

template <Op kOp>
class UnaryRef final : public Kernel {
public:
    explicit UnaryRef(const NodeSpec& spec) : spec_(spec), n_(spec.output.numel()) {}

    void run(const KernelArgs& args) override {
        const float* x = static_cast<const float*>(args.inputs[0]);
        float* y = static_cast<float*>(args.output);
        const float alpha = spec_.alpha, beta = spec_.beta;
        args.pool->parallel_for(n_, args.threads, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i) y[i] = activate<kOp>(x[i], alpha, beta);
        });
    }

private:
    NodeSpec spec_;
    int64_t n_;
};

template <Op kOp>
class BinaryRef final : public Kernel {
public:
    explicit BinaryRef(const NodeSpec& spec)
        : spec_(spec), a_(spec.inputs[0], spec.output.rank()), b_(spec.inputs[1], spec.output.rank()),
          y_(spec.output, spec.output.rank()) {}

    void run(const KernelArgs& args) override {
        const float* a = static_cast<const float*>(args.inputs[0]);
        const float* b = static_cast<const float*>(args.inputs[1]);
        float* y = static_cast<float*>(args.output);
        args.pool->parallel_for(spec_.output.numel(), args.threads, [&](int64_t begin, int64_t end) {
            Odometer at(spec_.output.dims, begin);
            for (int64_t i = begin; i < end; ++i, at.next()) {
                const std::vector<int64_t>& idx = at.index();
                y[y_.offset(idx)] = spec_.epilogue.apply(combine<kOp>(a[a_.offset(idx)], b[b_.offset(idx)]));
            }
        });
    }

private:
    NodeSpec spec_;
    BroadcastIndex a_, b_, y_;
};

const RegisterPrimitive kRelu(make_impl<UnaryRef, Op::Relu>("ref", unary_problem));
const RegisterPrimitive kClip(make_impl<UnaryRef, Op::Clip>("ref", unary_problem));
const RegisterPrimitive kSigmoid(make_impl<UnaryRef, Op::Sigmoid>("ref", unary_problem));
const RegisterPrimitive kHardSigmoid(make_impl<UnaryRef, Op::HardSigmoid>("ref", unary_problem));
const RegisterPrimitive kHardSwish(make_impl<UnaryRef, Op::HardSwish>("ref", unary_problem));
const RegisterPrimitive kAdd(make_impl<BinaryRef, Op::Add>("ref", binary_problem));
const RegisterPrimitive kMul(make_impl<BinaryRef, Op::Mul>("ref", binary_problem));

}  // namespace
}  // namespace dsx
