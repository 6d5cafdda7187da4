// Reference MaxPool, AveragePool and GlobalAveragePool: one scalar window reduction per output element,
// addressed through offset_of so the same loop serves NCHW and NHWC.
#include "dsx/convert.h"
#include "pool.h"

namespace dsx {
namespace {

using namespace pool;

class PoolRef final : public Kernel {
public:
    explicit PoolRef(const NodeSpec& spec) : spec_(spec), g_(geometry_of(spec)) {}

    void run(const KernelArgs& args) override {
        const float* x = static_cast<const float*>(args.inputs[0]);
        float* y = static_cast<float*>(args.output);
        const TensorDesc &in = spec_.inputs[0], &out = spec_.output;
        const int64_t C = out.c(), OH = out.h(), OW = out.w();
        // Element strides of one channel's rows and columns in the input layout.
        const int64_t ys = offset_of(in, 0, 0, 1, 0), xs = offset_of(in, 0, 0, 0, 1);
        args.pool->parallel_for(out.n() * C, args.threads, [&](int64_t begin, int64_t end) {
            for (int64_t p = begin; p < end; ++p) {
                const int64_t n = p / C, c = p % C;
                const float* base = x + offset_of(in, n, c, 0, 0);
                for (int64_t oy = 0; oy < OH; ++oy)
                    for (int64_t ox = 0; ox < OW; ++ox) y[offset_of(out, n, c, oy, ox)] = pool_point(g_, base, ys, xs, oy, ox);
            }
        });
    }

private:
    NodeSpec spec_;
    Geometry g_;
};

const RegisterPrimitive kMaxPool(make_impl<PoolRef>("ref", Op::MaxPool));
const RegisterPrimitive kAveragePool(make_impl<PoolRef>("ref", Op::AveragePool));
const RegisterPrimitive kGlobalAveragePool(make_impl<PoolRef>("ref", Op::GlobalAveragePool));

}  // namespace
}  // namespace dsx
