// Concat for INT8 tensors whose inputs come quantised differently from the output (the branches of an
// Inception block or a Fire module are calibrated apart), so an INT8 plan need not leave INT8 around it.
// The reference's arithmetic (dequantise, scale to the output, round to nearest even, add the zero point,
// clamp) in a loop the compiler vectorises, NEON on the boards, AVX2 through the same source here: it
// multiplies by the inverse output scale where `ref` divides, so a value on a rounding tie may land one step
// from `ref`'s. FP32 stays with `ref`, which is a memcpy per run already.
#include "concat.h"

#include <algorithm>

namespace dsx::concat {
namespace {

struct RequantNeon {
    // Scalar code the compiler vectorises (NEON on aarch64, AVX2 here; SIMDe's emulation of the saturating
    // NEON conversions ran at half this speed): the clamp is done in float before the conversion, so no lane
    // can overflow, and arguments are by value, so int8 stores cannot alias them.
    static void requant(const int8_t* src, int8_t* dst, int64_t count, float from_scale, float from_zp, float inv_to_scale, float to_zp) {
        constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23: adding and subtracting it rounds to nearest even
        for (int64_t k = 0; k < count; ++k) {
            const float q = ((static_cast<float>(src[k]) - from_zp) * from_scale * inv_to_scale + kMagic) - kMagic + to_zp;
            dst[k] = static_cast<int8_t>(static_cast<int32_t>(std::clamp(q, -128.0f, 127.0f)));
        }
    }

    void operator()(const int8_t* src, int8_t* dst, int64_t count, const Quant& from, const Quant& to) const {
        requant(src, dst, count, from.scale, static_cast<float>(from.zero_point), 1.0f / to.scale, static_cast<float>(to.zero_point));
    }
};

const RegisterPrimitive kConcatNeon(make_impl<RequantNeon>("neon", {Precision::INT8}));

}  // namespace
}  // namespace dsx::concat
