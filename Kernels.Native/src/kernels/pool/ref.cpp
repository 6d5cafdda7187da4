// Reference MaxPool, AveragePool and GlobalAveragePool: one scalar window reduction per output element,
// addressed through offset_of so the same loop serves NCHW and NHWC. INT8 dequantises each element, pools
// in float and quantises the result to the output's quantisation.
#include "dsx/convert.h"
#include "pool.h"

namespace dsx {
namespace {

using namespace pool;

class PoolRef final : public Kernel {
public:
    explicit PoolRef(const NodeSpec& spec) : spec_(spec), g_(geometry_of(spec)) {}

    void run(const KernelArgs& args) override {
        if (spec_.output.precision == Precision::INT8) {
            const Quant in = spec_.inputs[0].quant, out = spec_.output.quant;
            run_typed<int8_t>(args, [in](int8_t v) { return dequantize(v, in); }, [out](float v) { return quantize(v, out); });
        } else {
            run_typed<float>(args, Identity{}, Identity{});
        }
    }

private:
    template <class T, class Load, class Store>
    void run_typed(const KernelArgs& args, Load load, Store store) const {
        const T* x = static_cast<const T*>(args.inputs[0]);
        T* y = static_cast<T*>(args.output);
        const TensorDesc &in = spec_.inputs[0], &out = spec_.output;
        const int64_t C = out.c(), OH = out.h(), OW = out.w();
        // Element strides of one channel's rows and columns in the input layout.
        const int64_t ys = offset_of(in, 0, 0, 1, 0), xs = offset_of(in, 0, 0, 0, 1);
        args.pool->parallel_for(out.n() * C, args.threads, [&](int64_t begin, int64_t end) {
            for (int64_t p = begin; p < end; ++p) {
                const int64_t n = p / C, c = p % C;
                const T* base = x + offset_of(in, n, c, 0, 0);
                for (int64_t oy = 0; oy < OH; ++oy)
                    for (int64_t ox = 0; ox < OW; ++ox) y[offset_of(out, n, c, oy, ox)] = store(pool_point(g_, base, ys, xs, oy, ox, load));
            }
        });
    }

    NodeSpec spec_;
    Geometry g_;
};

const RegisterPrimitive kMaxPool(make_impl<PoolRef>("ref", Op::MaxPool));
const RegisterPrimitive kAveragePool(make_impl<PoolRef>("ref", Op::AveragePool));
const RegisterPrimitive kGlobalAveragePool(make_impl<PoolRef>("ref", Op::GlobalAveragePool));

}  // namespace
}  // namespace dsx
