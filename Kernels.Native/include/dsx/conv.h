#pragma once

#include <cstdint>

#include "dsx/kernel.h"

namespace dsx {

// The sizes of one convolution, read off its NodeSpec.
struct ConvDims {
    int64_t n, c, h, w;      // input
    int64_t oc, oh, ow;      // output
    int64_t groups;
    int64_t cg() const { return c / groups; }    // input channels per group
    int64_t ocg() const { return oc / groups; }  // output channels per group
    int64_t k() const;                           // reduction length per group: cg * kh * kw
    Window win;
    double flops() const { return 2.0 * n * oc * oh * ow * cg() * win.kh * win.kw; }
    bool depthwise() const { return groups == c && groups == oc; }
    bool pointwise() const;  // 1x1, stride 1, no padding
};

ConvDims conv_dims(const NodeSpec& spec);

// Unfolds one image's group `g` (NCHW) into a K x (oh*ow) row-major matrix, K = cg*kh*kw, zero where padded.
void im2col_nchw(const float* image, const ConvDims& d, int64_t g, float* col);

}  // namespace dsx
