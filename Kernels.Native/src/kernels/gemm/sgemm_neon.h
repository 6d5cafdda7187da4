// Our packed FP32 GEMM on NEON intrinsics: C = clamp(A * B + bias) with A (M x K) packed once
// (the weights) and B (K x N) packed per call, panel by panel, into the caller's workspace.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dsx/kernel.h"
#include "dsx/tensor.h"
#include "dsx/threadpool.h"

namespace dsx::gemm {

// A strided view of a matrix: element (r, c) is at data[r * rs + c * cs].
template <typename T>
struct MatrixView {
    T* data;
    int64_t rs, cs;
};

class Sgemm {
public:
    // Packs A (m x k, element (i, j) at a[i * lda + j]) into MR-row panels per KC block.
    Sgemm(const float* a, int64_t lda, int64_t m, int64_t k);

    int64_t m() const { return m_; }
    int64_t k() const { return k_; }
    size_t weight_bytes() const { return packed_.size(); }

    // Scratch run() needs for products with n columns on `threads` threads (one B panel slice each).
    size_t workspace_bytes(int64_t n, int threads) const;

    // C (m x n) = epilogue.apply(A * B + bias[row]); bias may be null. `workspace` is 64-byte aligned,
    // workspace_bytes(n, threads) long. Splits the work over at most `threads` threads of `pool`.
    void run(int64_t n, MatrixView<const float> b, MatrixView<float> c, const float* bias, const Epilogue& epilogue,
             void* workspace, ThreadPool& pool, int threads) const;

private:
    int64_t m_, k_;
    Buffer packed_;
};

}  // namespace dsx::gemm
