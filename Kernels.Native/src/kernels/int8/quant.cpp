#include "quant.h"

#include <algorithm>
#include <cmath>

namespace dsx::int8 {

std::string check_k(const char* primitive, int64_t k) {
    if (k <= kMaxK) return {};
    return std::string(primitive) + " needs a reduction of at most " + std::to_string(kMaxK) + " for int32 sums, got " + std::to_string(k);
}

QuantizedWeights quantize_weights(const NodeSpec& spec, int64_t rows, int64_t k) {
    const Quant in = spec.inputs.at(0).quant, out = spec.output.quant;
    QuantizedWeights w;
    w.rows = rows;
    w.k = k;
    w.q.resize(static_cast<size_t>(rows * k));
    w.scale.resize(rows);
    w.bias.resize(rows);
    w.mult.resize(rows);
    w.offset.resize(rows);
    for (int64_t r = 0; r < rows; ++r) {
        const float* src = spec.weight + r * k;
        float amax = 0.0f;
        for (int64_t i = 0; i < k; ++i) amax = std::max(amax, std::abs(src[i]));
        const float s = amax > 0.0f ? amax / 127.0f : 1.0f;
        int64_t sum = 0;
        for (int64_t i = 0; i < k; ++i) {
            const float v = std::clamp(std::nearbyint(src[i] / s), -127.0f, 127.0f);
            w.q[r * k + i] = static_cast<int8_t>(v);
            sum += static_cast<int64_t>(v);
        }
        // Doubles here: this runs once, and keeps the folded constants as exact as float allows.
        const double acc_scale = static_cast<double>(in.scale) * s;
        const double b = spec.bias ? std::nearbyint(spec.bias[r] / acc_scale) : 0.0;
        w.scale[r] = s;
        w.bias[r] = static_cast<int32_t>(std::clamp(b, static_cast<double>(INT32_MIN), static_cast<double>(INT32_MAX)));
        const double mult = acc_scale / out.scale;
        w.mult[r] = static_cast<float>(mult);
        w.offset[r] = static_cast<float>((w.bias[r] - static_cast<double>(in.zero_point) * sum) * mult + out.zero_point);
    }
    // Rounding the clamp bounds first is the same as rounding the clamped value (rounding is monotone).
    auto bound = [&](float real) {
        return std::clamp(std::nearbyint(real / out.scale) + static_cast<float>(out.zero_point), -128.0f, 127.0f);
    };
    w.lo = bound(spec.epilogue.lo);
    w.hi = bound(spec.epilogue.hi);
    return w;
}

}  // namespace dsx::int8
