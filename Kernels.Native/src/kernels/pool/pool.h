// Shared pieces of the pooling kernels: node checks, window clipping and the scalar value of one output
// point (the reference itself, and the borders and channel tails of the vector kernels).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "dsx/kernel.h"

namespace dsx::pool {

// GlobalAveragePool is an AveragePool whose window is the whole image.
inline Window window_of(const NodeSpec& spec) {
    if (spec.op != Op::GlobalAveragePool) return spec.window;
    Window w;
    w.kh = static_cast<int>(spec.inputs.at(0).h());
    w.kw = static_cast<int>(spec.inputs.at(0).w());
    return w;
}

inline std::string pool_problem(const NodeSpec& spec) {
    if (spec.inputs.size() != 1 || spec.inputs[0].rank() != 4) return "pooling takes one rank-4 input";
    const TensorDesc& in = spec.inputs[0];
    const Window w = window_of(spec);
    if (w.kh < 1 || w.kw < 1 || w.sh < 1 || w.sw < 1 || w.dh < 1 || w.dw < 1) return "degenerate pooling window";
    // Every window then holds at least one input element.
    if (w.pt >= w.kh || w.pb >= w.kh || w.pl >= w.kw || w.pr >= w.kw) return "pooling pads must be smaller than the window";
    const std::vector<int64_t> out = {in.n(), in.c(), w.out_h(in.h()), w.out_w(in.w())};
    if (spec.output.dims != out) return "output shape " + spec.output.str() + " does not match the pooling window";
    return "";
}

// Taps [begin, end) of one window axis whose coordinate start + k * dilation lies in [lo, hi).
struct Taps {
    int begin, end;
    int count() const { return end - begin; }
};

inline Taps taps(int64_t start, int k, int dilation, int64_t lo, int64_t hi) {
    int begin = 0, end = k;
    while (begin < end && start + int64_t{begin} * dilation < lo) ++begin;
    while (end > begin && start + int64_t{end - 1} * dilation >= hi) --end;
    return {begin, end};
}

// One axis of the window at output coordinate `o`: the taps inside the input, and the divisor an average
// uses on that axis (count_include_pad counts padding too, but never past the padded extent).
struct Axis {
    Taps in;
    int divisor;
};

inline Axis axis_at(int64_t o, int64_t size, int k, int stride, int dilation, int pad_begin, int pad_end, bool include_pad) {
    const int64_t start = o * stride - pad_begin;
    const Taps in = taps(start, k, dilation, 0, size);
    return {in, include_pad ? taps(start, k, dilation, -pad_begin, size + pad_end).count() : in.count()};
}

struct Geometry {
    Window win;
    bool max;
    bool include_pad;
    int64_t h, w;
    Axis y(int64_t oy) const { return axis_at(oy, h, win.kh, win.sh, win.dh, win.pt, win.pb, include_pad); }
    Axis x(int64_t ox) const { return axis_at(ox, w, win.kw, win.sw, win.dw, win.pl, win.pr, include_pad); }
};

inline Geometry geometry_of(const NodeSpec& spec) {
    const TensorDesc& in = spec.inputs.at(0);
    return {window_of(spec), spec.op == Op::MaxPool, spec.count_include_pad, in.h(), in.w()};
}

// Calls f(value) for every input element of output (oy, ox) inside the input, of one channel whose
// element (y, x) sits at base[y * ys + x * xs].
template <class T, class F>
inline void for_each_tap(const Geometry& g, const T* base, int64_t ys, int64_t xs, int64_t oy, int64_t ox, const Axis& ay, const Axis& ax, F&& f) {
    for (int ky = ay.in.begin; ky < ay.in.end; ++ky) {
        const T* row = base + (oy * g.win.sh - g.win.pt + int64_t{ky} * g.win.dh) * ys;
        for (int kx = ax.in.begin; kx < ax.in.end; ++kx) f(row[(ox * g.win.sw - g.win.pl + int64_t{kx} * g.win.dw) * xs]);
    }
}

struct Identity {
    float operator()(float v) const { return v; }
};

// Output (oy, ox) in real units, each element read through `load` (the reference dequantises INT8 there).
template <class T, class Load = Identity>
inline float pool_point(const Geometry& g, const T* base, int64_t ys, int64_t xs, int64_t oy, int64_t ox, Load load = {}) {
    const Axis ay = g.y(oy), ax = g.x(ox);
    float acc = g.max ? -std::numeric_limits<float>::infinity() : 0.0f;
    for_each_tap(g, base, ys, xs, oy, ox, ay, ax, [&](T v) {
        const float f = load(v);
        acc = g.max ? std::max(acc, f) : acc + f;
    });
    return g.max ? acc : acc / static_cast<float>(ay.divisor * ax.divisor);
}

// Registration of a pooling kernel class K (constructed from the NodeSpec) for one op, FP32 and INT8
// (INT8 activations with the input's and the output's own quantisation).
template <class K>
PrimitiveImpl make_impl(const char* primitive, Op op, std::function<std::string(const NodeSpec&)> admits = pool_problem) {
    return {
        .primitive = primitive,
        .library = "",
        .op = op,
        .layouts = {Layout::NCHW, Layout::NHWC},
        .precisions = {Precision::FP32, Precision::INT8},
        .threaded = true,
        .admits = std::move(admits),
        .create = create_kernel<K>,
    };
}

}  // namespace dsx::pool
