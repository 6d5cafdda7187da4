// NEON element-wise ops: unary activations 4 lanes at a time (safe in place), and Add/Mul for identical
// shapes and per-channel broadcast (squeeze-excite scales, per-channel biases) with the fused clamp.
#include "dsx/neon.h"
#include "eltwise.h"

namespace dsx {
namespace {

using namespace eltwise;

// e^x to ~2e-7 relative: x = n ln2 + r with |r| <= ln2/2 (Cody-Waite), a degree-6 Taylor polynomial for
// e^r, and 2^n built in the exponent bits. Inputs are clamped to the range where 2^n stays normal.
inline float32x4_t exp4(float32x4_t x) {
    x = vminq_f32(vmaxq_f32(x, vdupq_n_f32(-87.3f)), vdupq_n_f32(88.3f));
    const float32x4_t n = vrndnq_f32(vmulq_f32(x, vdupq_n_f32(1.44269504f)));
    const float32x4_t minus_n = vnegq_f32(n);
    float32x4_t r = vfmaq_f32(x, minus_n, vdupq_n_f32(0.693359375f));
    r = vfmaq_f32(r, minus_n, vdupq_n_f32(-2.12194440e-4f));
    float32x4_t p = vdupq_n_f32(1.0f / 720);
    p = vfmaq_f32(vdupq_n_f32(1.0f / 120), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f / 24), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f / 6), p, r);
    p = vfmaq_f32(vdupq_n_f32(0.5f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f), p, r);
    const int32x4_t e = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
    return vmulq_f32(p, vreinterpretq_f32_s32(e));
}

// 1/d to about 1 ulp: the estimate refined by two Newton-Raphson steps (SIMDe has no vdivq_f32).
inline float32x4_t reciprocal4(float32x4_t d) {
    float32x4_t r = vrecpeq_f32(d);
    r = vmulq_f32(r, vrecpsq_f32(d, r));
    return vmulq_f32(r, vrecpsq_f32(d, r));
}

template <Op kOp>
inline float32x4_t activate4(float32x4_t x, float32x4_t alpha, float32x4_t beta) {
    const float32x4_t zero = vdupq_n_f32(0.0f), one = vdupq_n_f32(1.0f);
    if constexpr (kOp == Op::Relu) return vmaxq_f32(x, zero);
    else if constexpr (kOp == Op::Clip) return vminq_f32(vmaxq_f32(x, alpha), beta);
    else if constexpr (kOp == Op::Sigmoid) {
        // From e^-|x| (never overflows): 1/(1+e) for x >= 0, e/(1+e) below, accurate at both tails.
        const float32x4_t e = exp4(vnegq_f32(vabsq_f32(x)));
        const float32x4_t num = vbslq_f32(vcltq_f32(x, zero), e, one);
        return vmulq_f32(num, reciprocal4(vaddq_f32(one, e)));
    } else if constexpr (kOp == Op::HardSigmoid) return vminq_f32(one, vmaxq_f32(zero, vfmaq_f32(beta, alpha, x)));
    else {
        static_assert(kOp == Op::HardSwish);
        const float32x4_t gate = vfmaq_f32(vdupq_n_f32(0.5f), x, vdupq_n_f32(1.0f / 6.0f));
        return vmulq_f32(x, vminq_f32(one, vmaxq_f32(zero, gate)));
    }
}

template <Op kOp>
class UnaryNeon final : public Kernel {
public:
    explicit UnaryNeon(const NodeSpec& spec) : spec_(spec), n_(spec.output.numel()) {}

    void run(const KernelArgs& args) override {
        const float* x = static_cast<const float*>(args.inputs[0]);
        float* y = static_cast<float*>(args.output);
        const float32x4_t alpha = vdupq_n_f32(spec_.alpha), beta = vdupq_n_f32(spec_.beta);
        args.pool->parallel_for(n_, args.threads, [&](int64_t begin, int64_t end) {
            int64_t i = begin;
            for (; i + 4 <= end; i += 4) vst1q_f32(y + i, activate4<kOp>(vld1q_f32(x + i), alpha, beta));
            if (i == end) return;
            // The tail goes through the same vector code, via a padded copy.
            float tail[4] = {};
            std::copy(x + i, x + end, tail);
            vst1q_f32(tail, activate4<kOp>(vld1q_f32(tail), alpha, beta));
            std::copy(tail, tail + (end - i), y + i);
        });
    }

private:
    NodeSpec spec_;
    int64_t n_;
};

template <Op kOp>
inline float32x4_t combine4(float32x4_t a, float32x4_t b) {
    return kOp == Op::Add ? vaddq_f32(a, b) : vmulq_f32(a, b);
}

// y[i] = clamp(a[i] op b[i]) over [0, n), where `b` is a single value broadcast when kScalarB.
template <Op kOp, bool kScalarB>
inline void combine_row(const float* a, const float* b, float* y, int64_t n, const Epilogue& epi) {
    const float32x4_t lo = vdupq_n_f32(epi.lo), hi = vdupq_n_f32(epi.hi);
    const float32x4_t bs = vdupq_n_f32(kScalarB ? *b : 0.0f);
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const float32x4_t v = combine4<kOp>(vld1q_f32(a + i), kScalarB ? bs : vld1q_f32(b + i));
        vst1q_f32(y + i, vminq_f32(vmaxq_f32(v, lo), hi));
    }
    for (; i < n; ++i) y[i] = epi.apply(combine<kOp>(a[i], b[kScalarB ? 0 : i]));
}

template <Op kOp>
class BinaryNeon final : public Kernel {
public:
    explicit BinaryNeon(const NodeSpec& spec) : spec_(spec), shape_(classify_binary(spec)) {}

    void run(const KernelArgs& args) override {
        float* y = static_cast<float*>(args.output);
        const Epilogue epi = spec_.epilogue;
        if (shape_.kind == BinaryShape::Same) {
            const float* a = static_cast<const float*>(args.inputs[0]);
            const float* b = static_cast<const float*>(args.inputs[1]);
            args.pool->parallel_for(spec_.output.numel(), args.threads, [&](int64_t begin, int64_t end) {
                combine_row<kOp, false>(a + begin, b + begin, y + begin, end - begin, epi);
            });
            return;
        }
        // Per channel (the op commutes, so the full operand always goes first).
        const float* a = static_cast<const float*>(args.inputs[shape_.full]);
        const float* b = static_cast<const float*>(args.inputs[1 - shape_.full]);
        const TensorDesc& out = spec_.output;
        const int64_t N = out.n(), C = out.c(), HW = out.h() * out.w();
        const bool per_image = shape_.per_image;
        if (out.rank() == 4 && out.layout == Layout::NCHW) {
            // One plane of H*W values per (n, c), all against one scalar.
            args.pool->parallel_for(N * C, args.threads, [&](int64_t begin, int64_t end) {
                for (int64_t p = begin; p < end; ++p) {
                    const float* bc = b + (per_image ? p : p % C);
                    combine_row<kOp, true>(a + p * HW, bc, y + p * HW, HW, epi);
                }
            });
            return;
        }
        // Channels innermost (NHWC, or a rank-2 (N, C) tensor): rows of C against the channel vector.
        args.pool->parallel_for(N * HW, args.threads, [&](int64_t begin, int64_t end) {
            for (int64_t r = begin; r < end; ++r) {
                const float* bc = b + (per_image ? r / HW * C : 0);
                combine_row<kOp, false>(a + r * C, bc, y + r * C, C, epi);
            }
        });
    }

private:
    NodeSpec spec_;
    BinaryShape shape_;
};

std::string binary_neon_problem(const NodeSpec& spec) {
    std::string why = binary_problem(spec);
    if (!why.empty() || classify_binary(spec).kind != BinaryShape::Other) return why;
    return std::string("neon ") + to_string(spec.op) + " handles identical shapes or a per-channel (N|1,C,1,1) operand, got " +
           spec.inputs[0].str() + " and " + spec.inputs[1].str();
}

const RegisterPrimitive kRelu(make_impl<UnaryNeon, Op::Relu>("neon", unary_problem));
const RegisterPrimitive kClip(make_impl<UnaryNeon, Op::Clip>("neon", unary_problem));
const RegisterPrimitive kSigmoid(make_impl<UnaryNeon, Op::Sigmoid>("neon", unary_problem));
const RegisterPrimitive kHardSigmoid(make_impl<UnaryNeon, Op::HardSigmoid>("neon", unary_problem));
const RegisterPrimitive kHardSwish(make_impl<UnaryNeon, Op::HardSwish>("neon", unary_problem));
const RegisterPrimitive kAdd(make_impl<BinaryNeon, Op::Add>("neon", binary_neon_problem));
const RegisterPrimitive kMul(make_impl<BinaryNeon, Op::Mul>("neon", binary_neon_problem));

}  // namespace
}  // namespace dsx
