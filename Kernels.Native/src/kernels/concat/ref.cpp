// Reference Concat, FP32 and INT8: a copy of each input's contiguous run per outer index; an INT8 input in
// another quantisation than the output's is dequantised and quantised again, element by element.
#include "concat.h"

#include "dsx/convert.h"
#include "../shape/shape.h"

namespace dsx::concat {
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

struct RequantRef {
    void operator()(const int8_t* src, int8_t* dst, int64_t count, const Quant& from, const Quant& to) const {
        for (int64_t k = 0; k < count; ++k) dst[k] = quantize(dequantize(src[k], from), to);
    }
};

const RegisterPrimitive kConcatRef(make_impl<RequantRef>("ref", {Precision::FP32, Precision::INT8}));

}  // namespace

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

Geometry::Geometry(const NodeSpec& spec) {
    const int axis = normalized_axis(spec.axis, spec.output.rank());
    std::tie(outer, out_run) = split(physical(spec.output, axis));
    for (const TensorDesc& in : spec.inputs) runs.push_back(split(physical(in, axis)).second);
}

}  // namespace dsx::concat
