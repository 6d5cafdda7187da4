// Goto-style packed SGEMM. Per K block of KC, a thread packs an NC-column block of B into NR-column
// panels (its own workspace slice, kept in L2), then sweeps the MR-row panels of the pre-packed A
// (each kept in L1 while it meets every B panel of the block) with an MR x NR register-blocked
// micro-kernel. The epilogue (bias per row, clamp) is applied when the last K block is stored.
#include "sgemm_neon.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "dsx/neon.h"

namespace dsx::gemm {
namespace {

#if defined(__aarch64__)
// 32 q registers: 24 accumulators + 3 B vectors + 2 A vectors (FMLA by element needs no broadcast).
constexpr int kMR = 8, kNR = 12;
constexpr int64_t kKC = 256, kNC = kNR * 16;
#else
// SIMDe on x86 has 16 xmm registers: 12 accumulators + 2 B vectors + broadcasts of A.
constexpr int kMR = 6, kNR = 8;
constexpr int64_t kKC = 256, kNC = kNR * 24;
#endif
constexpr int kNV = kNR / 4;
constexpr size_t kAlignFloats = 16;  // 64 bytes

using Acc = float32x4_t[kMR][kNV];
using Tile = float[kMR][kNR];

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

#if defined(__aarch64__)
template <int I>
inline void fma_row(float32x4_t (&acc)[kNV], const float32x4_t (&bv)[kNV], const float32x4_t (&av)[kMR / 4]) {
    for (int j = 0; j < kNV; ++j) acc[j] = vfmaq_laneq_f32(acc[j], bv[j], av[I / 4], I % 4);
}

template <size_t... I>
inline void fma_rows(Acc& acc, const float32x4_t (&bv)[kNV], const float32x4_t (&av)[kMR / 4], std::index_sequence<I...>) {
    (fma_row<I>(acc[I], bv, av), ...);
}
#endif

// tile = A panel (kc x MR, k-major) * B panel (kc x NR, k-major). The accumulators never leave this
// function by address, so the compiler keeps them in registers instead of spilling every step.
inline void micro_kernel(int64_t kc, const float* a, const float* b, Tile& tile) {
    Acc acc;
    for (auto& row : acc)
        for (auto& v : row) v = vdupq_n_f32(0.0f);
#pragma GCC unroll 4
    for (int64_t k = 0; k < kc; ++k, a += kMR, b += kNR) {
        float32x4_t bv[kNV];
        for (int j = 0; j < kNV; ++j) bv[j] = vld1q_f32(b + 4 * j);
#if defined(__aarch64__)
        float32x4_t av[kMR / 4];
        for (int i = 0; i < kMR / 4; ++i) av[i] = vld1q_f32(a + 4 * i);
        fma_rows(acc, bv, av, std::make_index_sequence<kMR>());
#else
        // A broadcast load runs on a load port; a lane shuffle would take an FMA port's slot.
        for (int i = 0; i < kMR; ++i) {
            const float32x4_t ai = vld1q_dup_f32(a + i);
            for (int j = 0; j < kNV; ++j) acc[i][j] = vfmaq_f32(acc[i][j], bv[j], ai);
        }
#endif
    }
    for (int i = 0; i < kMR; ++i)
        for (int j = 0; j < kNV; ++j) vst1q_f32(&tile[i][4 * j], acc[i][j]);
}

// How one K block's tile lands in C.
struct StoreMode {
    bool accumulate;  // add to what earlier K blocks stored
    bool finish;      // last K block: add bias and clamp
    bool clamp_lo, clamp_hi;  // whether the vector path needs each side of the clamp
};

// Stores the mr x nr valid part of a tile at c; bias points at the tile's first row (or is null).
void store_tile(const Tile& tile, MatrixView<float> c, int mr, int nr, const float* bias, StoreMode mode, const Epilogue& ep) {
    if (mr == kMR && nr == kNR && c.cs == 1) {
        const float32x4_t lo = vdupq_n_f32(ep.lo), hi = vdupq_n_f32(ep.hi);
        for (int i = 0; i < kMR; ++i) {
            float* row = c.data + i * c.rs;
            const float32x4_t bi = vdupq_n_f32(bias ? bias[i] : 0.0f);
            for (int j = 0; j < kNV; ++j) {
                float32x4_t v = vld1q_f32(&tile[i][4 * j]);
                if (mode.accumulate) v = vaddq_f32(v, vld1q_f32(row + 4 * j));
                if (mode.finish) {
                    v = vaddq_f32(v, bi);
                    if (mode.clamp_lo) v = vmaxq_f32(v, lo);
                    if (mode.clamp_hi) v = vminq_f32(v, hi);
                }
                vst1q_f32(row + 4 * j, v);
            }
        }
        return;
    }
    for (int i = 0; i < mr; ++i) {
        for (int j = 0; j < nr; ++j) {
            float& dst = c.data[i * c.rs + j * c.cs];
            float v = tile[i][j] + (mode.accumulate ? dst : 0.0f);
            dst = mode.finish ? ep.apply(v + (bias ? bias[i] : 0.0f)) : v;
        }
    }
}

// Packs B rows [k0, k0+kc) x columns [j0, j0+nc) into NR-column panels, k-major, zero past nc.
void pack_b(MatrixView<const float> b, int64_t k0, int64_t kc, int64_t j0, int64_t nc, float* dst) {
    for (int64_t q = 0; q < nc; q += kNR, dst += kNR * kc) {
        const int64_t cols = std::min<int64_t>(kNR, nc - q);
        const float* src = b.data + k0 * b.rs + (j0 + q) * b.cs;
        if (cols == kNR && b.cs == 1) {
            for (int64_t k = 0; k < kc; ++k)
                for (int j = 0; j < kNV; ++j) vst1q_f32(dst + k * kNR + 4 * j, vld1q_f32(src + k * b.rs + 4 * j));
            continue;
        }
        for (int64_t k = 0; k < kc; ++k)
            for (int64_t j = 0; j < kNR; ++j) dst[k * kNR + j] = j < cols ? src[k * b.rs + j * b.cs] : 0.0f;
    }
}

// K splits into equal blocks of at most KC (576 -> 3 x 192, not 256 + 256 + 64): no short last block.
struct KBlocks {
    int64_t k, count;
    explicit KBlocks(int64_t k_) : k(k_), count(ceil_div(k_, kKC)) {}
    int64_t begin(int64_t b) const { return k * b / count; }
    int64_t widest() const { return ceil_div(k, count); }
};

// B workspace per thread, in floats: one K block x NC block, rounded to keep the next slice 64-byte aligned.
int64_t slice_floats(int64_t k, int64_t n) {
    return round_up(KBlocks(k).widest() * std::min(kNC, round_up(n, kNR)), kAlignFloats);
}

}  // namespace

// Layout: for each K block at k0 (width kc), Mpad x kc floats at k0 * Mpad, as MR-row panels of kc x MR.
Sgemm::Sgemm(const float* a, int64_t lda, int64_t m, int64_t k)
    : m_(m), k_(k), packed_(static_cast<size_t>(round_up(m, kMR) * k) * sizeof(float)) {
    const int64_t mpad = round_up(m, kMR);
    float* dst = packed_.as<float>();  // zero-initialised: padded rows stay zero
    const KBlocks blocks(k);
    for (int64_t kb = 0; kb < blocks.count; ++kb) {
        const int64_t k0 = blocks.begin(kb), kc = blocks.begin(kb + 1) - k0;
        for (int64_t i = 0; i < m; ++i) {
            float* panel = dst + k0 * mpad + (i / kMR) * kMR * kc + i % kMR;
            for (int64_t kk = 0; kk < kc; ++kk) panel[kk * kMR] = a[i * lda + k0 + kk];
        }
    }
}

size_t Sgemm::workspace_bytes(int64_t n, int threads) const {
    return static_cast<size_t>(slice_floats(k_, n) * std::max(threads, 1)) * sizeof(float);
}

void Sgemm::run(int64_t n, MatrixView<const float> b, MatrixView<float> c, const float* bias, const Epilogue& ep,
                void* workspace, ThreadPool& pool, int threads) const {
    if (m_ == 0 || n == 0) return;
    const int64_t mpad = round_up(m_, kMR);
    const int64_t m_panels = mpad / kMR, n_panels = ceil_div(n, kNR);
    // Split N panels over the threads; split M too when N alone has too few panels to go round.
    const int64_t workers = std::min<int64_t>(std::max(threads, 1), m_panels * n_panels);
    const int64_t n_split = std::min(workers, n_panels), m_split = workers / n_split;
    const int64_t slice = slice_floats(k_, n);
    const float* packed_a = packed_.as<float>();
    const KBlocks blocks(k_);
    const bool clamp_lo = ep.lo > -std::numeric_limits<float>::infinity(), clamp_hi = ep.hi < std::numeric_limits<float>::infinity();

    auto work = [&](int64_t w, float* bpack) {
        const int64_t ns = w / m_split, ms = w % m_split;
        const int64_t j_begin = n_panels * ns / n_split * kNR, j_end = std::min(n, n_panels * (ns + 1) / n_split * kNR);
        const int64_t p_begin = m_panels * ms / m_split, p_end = m_panels * (ms + 1) / m_split;
        for (int64_t j0 = j_begin; j0 < j_end; j0 += kNC) {
            const int64_t nc = std::min(kNC, j_end - j0);
            for (int64_t kb = 0; kb < blocks.count; ++kb) {
                const int64_t k0 = blocks.begin(kb), kc = blocks.begin(kb + 1) - k0;
                const StoreMode mode{kb > 0, kb + 1 == blocks.count, clamp_lo, clamp_hi};
                pack_b(b, k0, kc, j0, nc, bpack);
                for (int64_t p = p_begin; p < p_end; ++p) {
                    const float* a_panel = packed_a + k0 * mpad + p * kMR * kc;
                    const int64_t i0 = p * kMR;
                    const int mr = static_cast<int>(std::min<int64_t>(kMR, m_ - i0));
                    for (int64_t q = 0; q < nc; q += kNR) {
                        const int nr = static_cast<int>(std::min<int64_t>(kNR, nc - q));
                        const MatrixView<float> c_tile{c.data + i0 * c.rs + (j0 + q) * c.cs, c.rs, c.cs};
                        Tile tile;
                        micro_kernel(kc, a_panel, bpack + q * kc, tile);
                        store_tile(tile, c_tile, mr, nr, bias ? bias + i0 : nullptr, mode, ep);
                    }
                }
            }
        }
    };
    float* ws = static_cast<float*>(workspace);
    const int64_t used = n_split * m_split;
    pool.parallel_for(used, static_cast<int>(used), [&](int64_t begin, int64_t end) {
        for (int64_t w = begin; w < end; ++w) work(w, ws + w * slice);
    });
}

}  // namespace dsx::gemm
