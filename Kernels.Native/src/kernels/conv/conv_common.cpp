#include <cstring>

#include "dsx/conv.h"

namespace dsx {

int64_t ConvDims::k() const { return cg() * win.kh * win.kw; }

bool ConvDims::pointwise() const {
    return win.kh == 1 && win.kw == 1 && win.sh == 1 && win.sw == 1 && win.pt == 0 && win.pl == 0 && win.pb == 0 && win.pr == 0;
}

ConvDims conv_dims(const NodeSpec& spec) {
    const TensorDesc& in = spec.inputs.at(0);
    ConvDims d{};
    d.n = in.n();
    d.c = in.c();
    d.h = in.h();
    d.w = in.w();
    d.oc = spec.output.c();
    d.oh = spec.output.h();
    d.ow = spec.output.w();
    d.groups = spec.groups;
    d.win = spec.window;
    return d;
}

void im2col_nchw(const float* image, const ConvDims& d, int64_t g, float* col) {
    const Window& s = d.win;
    const int64_t plane = d.oh * d.ow;
    for (int64_t ci = 0; ci < d.cg(); ++ci) {
        const float* src = image + (g * d.cg() + ci) * d.h * d.w;
        for (int ky = 0; ky < s.kh; ++ky) {
            for (int kx = 0; kx < s.kw; ++kx) {
                float* dst = col + ((ci * s.kh + ky) * s.kw + kx) * plane;
                for (int64_t oy = 0; oy < d.oh; ++oy) {
                    int64_t iy = oy * s.sh - s.pt + ky * s.dh;
                    float* row = dst + oy * d.ow;
                    if (iy < 0 || iy >= d.h) {
                        std::memset(row, 0, sizeof(float) * d.ow);
                        continue;
                    }
                    const float* srow = src + iy * d.w;
                    for (int64_t ox = 0; ox < d.ow; ++ox) {
                        int64_t ix = ox * s.sw - s.pl + kx * s.dw;
                        row[ox] = (ix >= 0 && ix < d.w) ? srow[ix] : 0.0f;
                    }
                }
            }
        }
    }
}

}  // namespace dsx
