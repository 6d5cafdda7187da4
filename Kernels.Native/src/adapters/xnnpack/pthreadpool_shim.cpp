// XNNPACK's operators parallelise through the pthreadpool C API. The executor defines that API itself, on
// dsx::ThreadPool, so XNNPACK layers run on the same workers as every other layer. Why: pthreadpool's caller
// spins (up to a million PAUSEs) waiting for its workers; when the other core is busy, the kernel queues the
// woken worker on the caller's own core, behind the spinning caller, and a 0.04 ms layer took 8 ms (docs/executor.md).
// dsx::ThreadPool yields after a short spin. The executable's definitions take precedence over libpthreadpool's
// for libXNNPACK's references (symbols an executable defines and a linked library uses are exported).
#include "pthreadpool_shim.h"

#include <algorithm>
#include <array>
#include <cstddef>

#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

namespace {

// Flush-to-zero for the calling thread while alive, as PTHREADPOOL_FLAG_DISABLE_DENORMALS asks (XNNPACK passes it
// on every run): denormal operands are slow on most cores.
class DenormalsOff {
public:
    explicit DenormalsOff(uint32_t flags) : active_((flags & PTHREADPOOL_FLAG_DISABLE_DENORMALS) != 0) {
        if (!active_) return;
#if defined(__x86_64__)
        saved_ = _mm_getcsr();
        _mm_setcsr(saved_ | 0x8040u);  // FTZ | DAZ
#elif defined(__aarch64__)
        __asm__ volatile("mrs %0, fpcr" : "=r"(saved_));
        __asm__ volatile("msr fpcr, %0" ::"r"(saved_ | (uint64_t{1} << 24)));  // FZ
#endif
    }
    ~DenormalsOff() {
        if (!active_) return;
#if defined(__x86_64__)
        _mm_setcsr(static_cast<unsigned>(saved_));
#elif defined(__aarch64__)
        __asm__ volatile("msr fpcr, %0" ::"r"(saved_));
#endif
    }
    DenormalsOff(const DenormalsOff&) = delete;
    DenormalsOff& operator=(const DenormalsOff&) = delete;

private:
    bool active_;
    uint64_t saved_ = 0;
};

// Runs body(start, size) over every tile of an N-dimensional grid (the last dimension fastest, as pthreadpool
// orders them), tiles split in contiguous runs over the pool's threads; a null pool runs on the caller.
template <size_t N, class Body>
void for_each_tile(pthreadpool_t pool, const std::array<size_t, N>& range, const std::array<size_t, N>& tile, uint32_t flags,
                   Body body) {
    std::array<size_t, N> tiles{};
    int64_t total = 1;
    for (size_t d = 0; d < N; ++d) {
        tiles[d] = (range[d] + tile[d] - 1) / tile[d];
        total *= static_cast<int64_t>(tiles[d]);
    }
    auto run = [&](int64_t begin, int64_t end) {
        DenormalsOff denormals(flags);
        std::array<size_t, N> start{}, size{};
        for (int64_t index = begin; index < end; ++index) {
            auto rest = static_cast<size_t>(index);
            for (size_t d = N; d-- > 0;) {
                start[d] = (rest % tiles[d]) * tile[d];
                size[d] = std::min(tile[d], range[d] - start[d]);
                rest /= tiles[d];
            }
            body(start, size);
        }
    };
    if (total <= 0) return;
    if (pool == nullptr || pool->threads <= 1) {
        run(0, total);
        return;
    }
    pool->pool->parallel_for(total, pool->threads, run);
}

}  // namespace

#define DSX_EXPORT extern "C" __attribute__((visibility("default")))

DSX_EXPORT size_t pthreadpool_get_threads_count(pthreadpool_t pool) { return pool == nullptr ? 1 : static_cast<size_t>(pool->threads); }

DSX_EXPORT void pthreadpool_parallelize_1d(pthreadpool_t pool, pthreadpool_task_1d_t f, void* c, size_t r, uint32_t flags) {
    for_each_tile<1>(pool, {r}, {1}, flags, [&](auto& s, auto&) { f(c, s[0]); });
}

DSX_EXPORT void pthreadpool_parallelize_1d_tile_1d(pthreadpool_t pool, pthreadpool_task_1d_tile_1d_t f, void* c, size_t r, size_t t,
                                                   uint32_t flags) {
    for_each_tile<1>(pool, {r}, {t}, flags, [&](auto& s, auto& n) { f(c, s[0], n[0]); });
}

DSX_EXPORT void pthreadpool_parallelize_2d(pthreadpool_t pool, pthreadpool_task_2d_t f, void* c, size_t ri, size_t rj, uint32_t flags) {
    for_each_tile<2>(pool, {ri, rj}, {1, 1}, flags, [&](auto& s, auto&) { f(c, s[0], s[1]); });
}

DSX_EXPORT void pthreadpool_parallelize_2d_tile_1d(pthreadpool_t pool, pthreadpool_task_2d_tile_1d_t f, void* c, size_t ri, size_t rj,
                                                   size_t tj, uint32_t flags) {
    for_each_tile<2>(pool, {ri, rj}, {1, tj}, flags, [&](auto& s, auto& n) { f(c, s[0], s[1], n[1]); });
}

DSX_EXPORT void pthreadpool_parallelize_2d_tile_2d(pthreadpool_t pool, pthreadpool_task_2d_tile_2d_t f, void* c, size_t ri, size_t rj,
                                                   size_t ti, size_t tj, uint32_t flags) {
    for_each_tile<2>(pool, {ri, rj}, {ti, tj}, flags, [&](auto& s, auto& n) { f(c, s[0], s[1], n[0], n[1]); });
}

DSX_EXPORT void pthreadpool_parallelize_3d(pthreadpool_t pool, pthreadpool_task_3d_t f, void* c, size_t ri, size_t rj, size_t rk,
                                           uint32_t flags) {
    for_each_tile<3>(pool, {ri, rj, rk}, {1, 1, 1}, flags, [&](auto& s, auto&) { f(c, s[0], s[1], s[2]); });
}

DSX_EXPORT void pthreadpool_parallelize_3d_tile_2d(pthreadpool_t pool, pthreadpool_task_3d_tile_2d_t f, void* c, size_t ri, size_t rj,
                                                   size_t rk, size_t tj, size_t tk, uint32_t flags) {
    for_each_tile<3>(pool, {ri, rj, rk}, {1, tj, tk}, flags, [&](auto& s, auto& n) { f(c, s[0], s[1], s[2], n[1], n[2]); });
}

DSX_EXPORT void pthreadpool_parallelize_4d(pthreadpool_t pool, pthreadpool_task_4d_t f, void* c, size_t ri, size_t rj, size_t rk,
                                           size_t rl, uint32_t flags) {
    for_each_tile<4>(pool, {ri, rj, rk, rl}, {1, 1, 1, 1}, flags, [&](auto& s, auto&) { f(c, s[0], s[1], s[2], s[3]); });
}

DSX_EXPORT void pthreadpool_parallelize_4d_tile_2d(pthreadpool_t pool, pthreadpool_task_4d_tile_2d_t f, void* c, size_t ri, size_t rj,
                                                   size_t rk, size_t rl, size_t tk, size_t tl, uint32_t flags) {
    for_each_tile<4>(pool, {ri, rj, rk, rl}, {1, 1, tk, tl}, flags,
                     [&](auto& s, auto& n) { f(c, s[0], s[1], s[2], s[3], n[2], n[3]); });
}

DSX_EXPORT void pthreadpool_parallelize_5d(pthreadpool_t pool, pthreadpool_task_5d_t f, void* c, size_t ri, size_t rj, size_t rk,
                                           size_t rl, size_t rm, uint32_t flags) {
    for_each_tile<5>(pool, {ri, rj, rk, rl, rm}, {1, 1, 1, 1, 1}, flags,
                     [&](auto& s, auto&) { f(c, s[0], s[1], s[2], s[3], s[4]); });
}

DSX_EXPORT void pthreadpool_parallelize_5d_tile_2d(pthreadpool_t pool, pthreadpool_task_5d_tile_2d_t f, void* c, size_t ri, size_t rj,
                                                   size_t rk, size_t rl, size_t rm, size_t tl, size_t tm, uint32_t flags) {
    for_each_tile<5>(pool, {ri, rj, rk, rl, rm}, {1, 1, 1, tl, tm}, flags,
                     [&](auto& s, auto& n) { f(c, s[0], s[1], s[2], s[3], s[4], n[3], n[4]); });
}

DSX_EXPORT void pthreadpool_parallelize_6d_tile_2d(pthreadpool_t pool, pthreadpool_task_6d_tile_2d_t f, void* c, size_t ri, size_t rj,
                                                   size_t rk, size_t rl, size_t rm, size_t rn, size_t tm, size_t tn, uint32_t flags) {
    for_each_tile<6>(pool, {ri, rj, rk, rl, rm, rn}, {1, 1, 1, 1, tm, tn}, flags,
                     [&](auto& s, auto& n) { f(c, s[0], s[1], s[2], s[3], s[4], s[5], n[4], n[5]); });
}
