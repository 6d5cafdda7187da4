// Winograd convolution F(m x m, 3x3), NCHW FP32 (Lavin & Gray, "Fast Algorithms for Convolutional Neural
// Networks"). Weights are transformed once (U = G g G^T); each run transforms blocks of input tiles
// (V = B^T d B), multiplies them per transform position xi as a GEMM V[xi] (tiles x IC) * U[xi] (IC x OC),
// then transforms back (Y = A^T M A) with bias and clamp fused. Channels are padded to multiples of 4.
#include "winograd_neon.h"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "dsx/conv.h"
#include "dsx/neon.h"

namespace dsx::winograd {
namespace {

template <int M> struct Tile;

template <> struct Tile<2> {
    static constexpr int kAlpha = 4;
    static constexpr float kBT[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
    static constexpr float kG[4][3] = {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
    static constexpr float kAT[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};
};

// Interpolation points 0, 1, -1, 2, -2 and infinity: the usual F(4x4,3x3) matrices.
template <> struct Tile<4> {
    static constexpr int kAlpha = 6;
    static constexpr float kBT[6][6] = {{4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
                                        {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};
    static constexpr float kG[6][3] = {{1.0f / 4, 0, 0},
                                       {-1.0f / 6, -1.0f / 6, -1.0f / 6},
                                       {-1.0f / 6, 1.0f / 6, -1.0f / 6},
                                       {1.0f / 24, 1.0f / 12, 1.0f / 6},
                                       {1.0f / 24, -1.0f / 12, 1.0f / 6},
                                       {0, 0, 1}};
    static constexpr float kAT[4][6] = {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}};
};

// The transforms are constant matrices applied to vectors (4 channels at once). They are unrolled at compile
// time so that zero coefficients cost nothing and +-1 coefficients are plain adds.
template <const auto& Mat, int I, int Cols>
constexpr int first_nonzero() {
    for (int j = 0; j < Cols; ++j)
        if (Mat[I][j] != 0.0f) return j;
    return 0;
}

template <const auto& Mat, int I, int J>
inline float32x4_t scaled(float32x4_t x) {
    constexpr float c = Mat[I][J];
    if constexpr (c == 1.0f) return x;
    else if constexpr (c == -1.0f) return vnegq_f32(x);
    else return vmulq_n_f32(x, c);
}

template <const auto& Mat, int I, int J, int First>
inline float32x4_t add_term(float32x4_t acc, float32x4_t x) {
    constexpr float c = Mat[I][J];
    if constexpr (J == First || c == 0.0f) return acc;
    else if constexpr (c == 1.0f) return vaddq_f32(acc, x);
    else if constexpr (c == -1.0f) return vsubq_f32(acc, x);
    else return vfmaq_n_f32(acc, x, c);
}

// sum_j Mat[I][j] * x[j * s]
template <const auto& Mat, int I, int Cols>
inline float32x4_t dot_row(const float32x4_t* x, int s) {
    constexpr int first = first_nonzero<Mat, I, Cols>();
    return [&]<int... J>(std::integer_sequence<int, J...>) {
        float32x4_t acc = scaled<Mat, I, first>(x[first * s]);
        ((acc = add_term<Mat, I, J, first>(acc, x[J * s])), ...);
        return acc;
    }(std::make_integer_sequence<int, Cols>{});
}

// y[i * ys] = sum_j Mat[i][j] * x[j * xs] for every row i of the Rows x Cols matrix Mat.
template <const auto& Mat, int Rows, int Cols>
inline void apply(const float32x4_t* x, int xs, float32x4_t* y, int ys) {
    [&]<int... I>(std::integer_sequence<int, I...>) {
        ((y[I * ys] = dot_row<Mat, I, Cols>(x, xs)), ...);
    }(std::make_integer_sequence<int, Rows>{});
}

// Y = Mat X Mat^T for a Cols x Cols tile X (row-major); Y is Rows x Rows.
template <const auto& Mat, int Rows, int Cols>
inline void sandwich(const float32x4_t* x, float32x4_t* y) {
    float32x4_t t[Rows * Cols];
    for (int k = 0; k < Cols; ++k) apply<Mat, Rows, Cols>(x + k, Cols, t + k, Cols);
    for (int i = 0; i < Rows; ++i) apply<Mat, Rows, Cols>(t + i * Cols, 1, y + i * Rows, 1);
}

// acc[r] += a[r][Lane] * b[0..4*NB) for the 4 rows of the micro-tile.
template <int Lane, int NB>
inline void fma_lane(float32x4_t (&acc)[4][NB], const float32x4_t (&a)[4], const float* b) {
    float32x4_t bv[NB];
    for (int j = 0; j < NB; ++j) bv[j] = vld1q_f32(b + 4 * j);
    for (int r = 0; r < 4; ++r)
        for (int j = 0; j < NB; ++j) acc[r][j] = vfmaq_laneq_f32(acc[r][j], bv[j], a[r], Lane);
}

// C (4 x 4*NB) = A (4 x k) * B (k x 4*NB), all row-major; k is a multiple of 4.
template <int NB>
void micro_kernel(const float* a, int64_t lda, const float* b, int64_t ldb, int64_t k, float* c, int64_t ldc) {
    float32x4_t acc[4][NB];
    for (auto& row : acc)
        for (auto& v : row) v = vdupq_n_f32(0.0f);
    for (int64_t p = 0; p < k; p += 4) {
        float32x4_t av[4];
        for (int r = 0; r < 4; ++r) av[r] = vld1q_f32(a + r * lda + p);
        const float* bp = b + p * ldb;
        fma_lane<0>(acc, av, bp);
        fma_lane<1>(acc, av, bp + ldb);
        fma_lane<2>(acc, av, bp + 2 * ldb);
        fma_lane<3>(acc, av, bp + 3 * ldb);
    }
    for (int r = 0; r < 4; ++r)
        for (int j = 0; j < NB; ++j) vst1q_f32(c + r * ldc + 4 * j, acc[r][j]);
}

using MicroKernel = void (*)(const float*, int64_t, const float*, int64_t, int64_t, float*, int64_t);
constexpr MicroKernel kMicroKernels[4] = {micro_kernel<1>, micro_kernel<2>, micro_kernel<3>, micro_kernel<4>};

int64_t round_up4(int64_t x) { return (x + 3) / 4 * 4; }

template <int M>
class WinogradKernel final : public Kernel {
    static constexpr int kAlpha = Tile<M>::kAlpha;
    static constexpr int kPositions = kAlpha * kAlpha;
    // Per-thread bytes of one block's V and M: the block then sits in L2 while each position's slice
    // (and its U) is reused from L1.
    static constexpr int64_t kBlockBytes = 256 * 1024;

public:
    explicit WinogradKernel(const NodeSpec& spec)
        : d_(conv_dims(spec)), epilogue_(spec.epilogue), ic4_(round_up4(d_.c)), oc4_(round_up4(d_.oc)),
          tiles_h_((d_.oh + M - 1) / M), tiles_w_((d_.ow + M - 1) / M), tiles_(d_.n * tiles_h_ * tiles_w_),
          slots_(std::max(1, spec.threads)) {
        int64_t fit = kBlockBytes / (kPositions * (ic4_ + oc4_) * int64_t(sizeof(float))) / 4 * 4;
        block_ = std::min(std::clamp<int64_t>(fit, 4, 32), round_up4(tiles_));
        pack_weights(spec);
    }

    size_t weight_bytes() const override { return (u_.size() + bias_.size()) * sizeof(float); }
    size_t workspace_bytes() const override { return static_cast<size_t>(slots_ * slot_floats()) * sizeof(float); }

    void run(const KernelArgs& args) override {
        const float* in = static_cast<const float*>(args.inputs[0]);
        float* out = static_cast<float*>(args.output);
        float* workspace = static_cast<float*>(args.workspace);
        const int64_t blocks = (tiles_ + block_ - 1) / block_;
        // One chunk per workspace slot; each slot takes a contiguous run of tile blocks.
        const int64_t slots = std::min<int64_t>({std::max(args.threads, 1), slots_, blocks});
        args.pool->parallel_for(slots, static_cast<int>(slots), [&](int64_t begin, int64_t end) {
            for (int64_t s = begin; s < end; ++s) {
                float* v = workspace + s * slot_floats();
                float* m = v + kPositions * block_ * ic4_;
                for (int64_t b = blocks * s / slots; b < blocks * (s + 1) / slots; ++b) run_block(b * block_, in, out, v, m);
            }
        });
    }

private:
    int64_t slot_floats() const { return kPositions * block_ * (ic4_ + oc4_); }

    // U[xi][ic][oc] = (G g G^T)[xi], zero for padded channels.
    void pack_weights(const NodeSpec& spec) {
        constexpr auto& g = Tile<M>::kG;
        u_.assign(static_cast<size_t>(kPositions * ic4_ * oc4_), 0.0f);
        for (int64_t o = 0; o < d_.oc; ++o) {
            for (int64_t c = 0; c < d_.c; ++c) {
                const float* w = spec.weight + (o * d_.c + c) * 9;
                double gw[kAlpha][3] = {};
                for (int i = 0; i < kAlpha; ++i)
                    for (int k = 0; k < 3; ++k)
                        for (int l = 0; l < 3; ++l) gw[i][k] += double(g[i][l]) * w[l * 3 + k];
                for (int i = 0; i < kAlpha; ++i) {
                    for (int j = 0; j < kAlpha; ++j) {
                        double acc = 0;
                        for (int k = 0; k < 3; ++k) acc += gw[i][k] * g[j][k];
                        u_[static_cast<size_t>(((i * kAlpha + j) * ic4_ + c) * oc4_ + o)] = static_cast<float>(acc);
                    }
                }
            }
        }
        bias_.assign(static_cast<size_t>(oc4_), 0.0f);
        if (spec.bias) std::copy(spec.bias, spec.bias + d_.oc, bias_.begin());
    }

    void run_block(int64_t first, const float* in, float* out, float* v, float* m) const {
        const int64_t count = std::min(block_, tiles_ - first);
        for (int64_t t = 0; t < block_; ++t) input_tile(in, first + t, v + t * ic4_);
        for (int xi = 0; xi < kPositions; ++xi) {
            const float* a = v + xi * block_ * ic4_;
            const float* u = u_.data() + xi * ic4_ * oc4_;
            float* c = m + xi * block_ * oc4_;
            for (int64_t p = 0; p < oc4_; p += 16) {
                MicroKernel kernel = kMicroKernels[std::min<int64_t>(4, (oc4_ - p) / 4) - 1];
                for (int64_t r = 0; r < block_; r += 4) kernel(a + r * ic4_, ic4_, u + p, oc4_, ic4_, c + r * oc4_ + p, oc4_);
            }
        }
        for (int64_t t = 0; t < count; ++t) output_tile(first + t, m + t * oc4_, out);
    }

    // V[xi][t][*] for tile `tile`; `v` points at V[0][t][0]. Tiles past the end are written as zeros.
    void input_tile(const float* in, int64_t tile, float* v) const {
        const int64_t stride = block_ * ic4_;
        if (tile >= tiles_) {
            for (int xi = 0; xi < kPositions; ++xi) std::memset(v + xi * stride, 0, sizeof(float) * ic4_);
            return;
        }
        const int64_t b = tile / (tiles_h_ * tiles_w_), ty = tile / tiles_w_ % tiles_h_, tx = tile % tiles_w_;
        const int64_t y0 = ty * M - d_.win.pt, x0 = tx * M - d_.win.pl;
        // The part of the alpha x alpha window inside the image; the rest is padding.
        const int64_t i0 = std::max<int64_t>(0, -y0), i1 = std::min<int64_t>(kAlpha, d_.h - y0);
        const int64_t j0 = std::max<int64_t>(0, -x0), j1 = std::min<int64_t>(kAlpha, d_.w - x0);
        for (int64_t c = 0; c < ic4_; c += 4) {
            float buf[kPositions][4] = {};
            for (int64_t l = 0; l < 4 && c + l < d_.c; ++l) {
                const float* plane = in + (b * d_.c + c + l) * d_.h * d_.w;
                for (int64_t i = i0; i < i1; ++i)
                    for (int64_t j = j0; j < j1; ++j) buf[i * kAlpha + j][l] = plane[(y0 + i) * d_.w + x0 + j];
            }
            float32x4_t x[kPositions], y[kPositions];
            for (int k = 0; k < kPositions; ++k) x[k] = vld1q_f32(buf[k]);
            sandwich<Tile<M>::kBT, kAlpha, kAlpha>(x, y);
            for (int xi = 0; xi < kPositions; ++xi) vst1q_f32(v + xi * stride + c, y[xi]);
        }
    }

    // Output tile `tile` from M[xi][t][*] (`m` points at M[0][t][0]), with bias and clamp.
    void output_tile(int64_t tile, const float* m, float* out) const {
        const int64_t stride = block_ * oc4_;
        const int64_t b = tile / (tiles_h_ * tiles_w_), ty = tile / tiles_w_ % tiles_h_, tx = tile % tiles_w_;
        const int64_t oy0 = ty * M, ox0 = tx * M;
        const int64_t rows = std::min<int64_t>(M, d_.oh - oy0), cols = std::min<int64_t>(M, d_.ow - ox0);
        const float32x4_t lo = vdupq_n_f32(epilogue_.lo), hi = vdupq_n_f32(epilogue_.hi);
        for (int64_t o = 0; o < oc4_; o += 4) {
            float32x4_t x[kPositions], y[M * M];
            for (int xi = 0; xi < kPositions; ++xi) x[xi] = vld1q_f32(m + xi * stride + o);
            sandwich<Tile<M>::kAT, M, kAlpha>(x, y);
            const float32x4_t bias = vld1q_f32(bias_.data() + o);
            float buf[M * M][4];
            for (int k = 0; k < M * M; ++k) vst1q_f32(buf[k], vminq_f32(vmaxq_f32(vaddq_f32(y[k], bias), lo), hi));
            for (int64_t l = 0; l < 4 && o + l < d_.oc; ++l) {
                float* dst = out + (b * d_.oc + o + l) * d_.oh * d_.ow + oy0 * d_.ow + ox0;
                for (int64_t i = 0; i < rows; ++i)
                    for (int64_t j = 0; j < cols; ++j) dst[i * d_.ow + j] = buf[i * M + j][l];
            }
        }
    }

    ConvDims d_;
    Epilogue epilogue_;
    int64_t ic4_, oc4_;
    int64_t tiles_h_, tiles_w_, tiles_;
    int64_t slots_;
    int64_t block_ = 4;  // tiles per block, a multiple of 4
    std::vector<float> u_, bias_;
};

}  // namespace

std::string admits(const NodeSpec& spec) {
    const Window& w = spec.window;
    if (spec.inputs.at(0).layout != Layout::NCHW || spec.inputs[0].precision != Precision::FP32)
        return "winograd_neon needs NCHW FP32";
    if (w.kh != 3 || w.kw != 3)
        return "winograd_neon needs a 3x3 kernel, got " + std::to_string(w.kh) + "x" + std::to_string(w.kw);
    if (w.sh != 1 || w.sw != 1) return "winograd_neon needs stride 1, got " + std::to_string(w.sh) + "x" + std::to_string(w.sw);
    if (w.dh != 1 || w.dw != 1) return "winograd_neon needs dilation 1";
    if (spec.groups != 1) return "winograd_neon needs groups == 1, got " + std::to_string(spec.groups);
    return {};
}

// F(4x4,3x3) does 4x fewer multiplications than direct 3x3 (2.25x for F(2x2,3x3)), but below a 4x4
// output most of its tile would be wasted on padding, so small outputs use F(2x2,3x3).
int default_tile(const NodeSpec& spec) { return spec.output.h() >= 4 && spec.output.w() >= 4 ? 4 : 2; }

std::unique_ptr<Kernel> create(const NodeSpec& spec, int tile) {
    if (tile == 2) return std::make_unique<WinogradKernel<2>>(spec);
    return std::make_unique<WinogradKernel<4>>(spec);
}

namespace {

const RegisterPrimitive kWinogradNeon({
    .primitive = "winograd_neon",
    .library = "",
    .op = Op::Conv,
    .layouts = {Layout::NCHW},
    .precisions = {Precision::FP32},
    .threaded = true,
    .admits = admits,
    .create = [](const NodeSpec& spec) { return create(spec, default_tile(spec)); },
});

}  // namespace
}  // namespace dsx::winograd
