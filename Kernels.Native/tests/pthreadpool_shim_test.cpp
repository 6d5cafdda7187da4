// The pthreadpool API the executor defines for XNNPACK (src/adapters/xnnpack/pthreadpool_shim.cpp): it must be the
// one libXNNPACK calls, and every variant must visit each tile of its grid once with the right start and size.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "../src/adapters/xnnpack/pthreadpool_shim.h"

namespace {

using Call = std::vector<size_t>;

struct Recorder {
    std::mutex mutex;
    std::vector<Call> calls;
};

template <class... A>
void record(void* context, A... args) {
    auto* r = static_cast<Recorder*>(context);
    std::lock_guard<std::mutex> lock(r->mutex);
    r->calls.push_back({static_cast<size_t>(args)...});
}

// What pthreadpool documents for a grid: per tile, the start of every dimension, then the size of each tiled one
// (tile 0: the dimension is not tiled, its items come one by one and no size is passed).
std::vector<Call> expected_calls(const std::vector<size_t>& range, const std::vector<size_t>& tile) {
    std::vector<Call> out;
    std::function<void(size_t, Call, Call)> walk = [&](size_t d, Call starts, Call sizes) {
        if (d == range.size()) {
            starts.insert(starts.end(), sizes.begin(), sizes.end());
            out.push_back(starts);
            return;
        }
        const size_t step = tile[d] == 0 ? 1 : tile[d];
        for (size_t s = 0; s < range[d]; s += step) {
            Call st = starts, sz = sizes;
            st.push_back(s);
            if (tile[d] != 0) sz.push_back(std::min(step, range[d] - s));
            walk(d + 1, st, sz);
        }
    };
    walk(0, {}, {});
    return out;
}

void expect_each_tile_once(const std::string& name, const std::vector<size_t>& range, const std::vector<size_t>& tile,
                           const std::function<void(pthreadpool_t, Recorder&)>& call) {
    dsx::ThreadPool workers;
    for (int threads : {0, 1, 2, 3}) {
        pthreadpool handle{&workers, threads};
        Recorder r;
        call(threads == 0 ? nullptr : &handle, r);
        auto want = expected_calls(range, tile);
        std::sort(r.calls.begin(), r.calls.end());
        std::sort(want.begin(), want.end());
        EXPECT_EQ(r.calls, want) << name << " with " << threads << " threads (0: null pool)";
    }
}

}  // namespace

TEST(PthreadpoolShim, IsWhatXnnpackResolves) {
    // The global lookup scope is what libXNNPACK's references bind to; libpthreadpool is loaded too (XNNPACK needs it),
    // so every name must resolve into this executable, not into it.
    Dl_info self{};
    ASSERT_NE(dladdr(reinterpret_cast<void*>(&expected_calls), &self), 0);
    for (const char* name : {"pthreadpool_get_threads_count", "pthreadpool_parallelize_1d", "pthreadpool_parallelize_1d_tile_1d",
                             "pthreadpool_parallelize_2d", "pthreadpool_parallelize_2d_tile_1d", "pthreadpool_parallelize_2d_tile_2d",
                             "pthreadpool_parallelize_3d", "pthreadpool_parallelize_3d_tile_2d", "pthreadpool_parallelize_4d",
                             "pthreadpool_parallelize_4d_tile_2d", "pthreadpool_parallelize_5d", "pthreadpool_parallelize_5d_tile_2d",
                             "pthreadpool_parallelize_6d_tile_2d"}) {
        Dl_info where{};
        void* address = dlsym(RTLD_DEFAULT, name);
        ASSERT_NE(address, nullptr) << name;
        ASSERT_NE(dladdr(address, &where), 0) << name;
        EXPECT_EQ(where.dli_fbase, self.dli_fbase) << name << " resolves to " << (where.dli_fname ? where.dli_fname : "?");
    }
}

TEST(PthreadpoolShim, EveryVariantVisitsEachTileOnce) {
    std::mt19937 random(7);
    auto r = [&](size_t hi) { return std::uniform_int_distribution<size_t>(1, hi)(random); };
    for (int trial = 0; trial < 4; ++trial) {
        const size_t a = r(5), b = r(6), c = r(7), d = r(4), e = r(9), f = r(11), t1 = r(4), t2 = r(5);
        auto rec = [](Recorder& x) { return static_cast<void*>(&x); };
        expect_each_tile_once("1d", {a}, {0}, [&](pthreadpool_t p, Recorder& x) { pthreadpool_parallelize_1d(p, record<size_t>, rec(x), a, 0); });
        expect_each_tile_once("1d_tile_1d", {e}, {t1}, [&](pthreadpool_t p, Recorder& x) {
            pthreadpool_parallelize_1d_tile_1d(p, record<size_t, size_t>, rec(x), e, t1, 0);
        });
        expect_each_tile_once("2d", {a, b}, {0, 0}, [&](pthreadpool_t p, Recorder& x) {
            pthreadpool_parallelize_2d(p, record<size_t, size_t>, rec(x), a, b, 0);
        });
        expect_each_tile_once("2d_tile_1d", {a, f}, {0, t2}, [&](pthreadpool_t p, Recorder& x) {
            pthreadpool_parallelize_2d_tile_1d(p, record<size_t, size_t, size_t>, rec(x), a, f, t2, 0);
        });
        expect_each_tile_once("2d_tile_2d", {e, f}, {t1, t2}, [&](pthreadpool_t p, Recorder& x) {
            pthreadpool_parallelize_2d_tile_2d(p, record<size_t, size_t, size_t, size_t>, rec(x), e, f, t1, t2, 0);
        });
        expect_each_tile_once("3d", {a, b, c}, {0, 0, 0}, [&](pthreadpool_t p, Recorder& x) {
            pthreadpool_parallelize_3d(p, record<size_t, size_t, size_t>, rec(x), a, b, c, 0);
        });
        expect_each_tile_once("3d_tile_2d", {a, e, f}, {0, t1, t2}, [&](pthreadpool_t p, Recorder& x) {
            pthreadpool_parallelize_3d_tile_2d(p, record<size_t, size_t, size_t, size_t, size_t>, rec(x), a, e, f, t1, t2, 0);
        });
        expect_each_tile_once("4d", {a, b, c, d}, {0, 0, 0, 0}, [&](pthreadpool_t p, Recorder& x) {
            pthreadpool_parallelize_4d(p, record<size_t, size_t, size_t, size_t>, rec(x), a, b, c, d, 0);
        });
        expect_each_tile_once("4d_tile_2d", {a, b, e, f}, {0, 0, t1, t2}, [&](pthreadpool_t p, Recorder& x) {
            pthreadpool_parallelize_4d_tile_2d(p, record<size_t, size_t, size_t, size_t, size_t, size_t>, rec(x), a, b, e, f, t1, t2, 0);
        });
        expect_each_tile_once("5d", {a, b, c, d, a}, {0, 0, 0, 0, 0}, [&](pthreadpool_t p, Recorder& x) {
            pthreadpool_parallelize_5d(p, record<size_t, size_t, size_t, size_t, size_t>, rec(x), a, b, c, d, a, 0);
        });
        expect_each_tile_once("5d_tile_2d", {a, b, d, e, f}, {0, 0, 0, t1, t2}, [&](pthreadpool_t p, Recorder& x) {
            pthreadpool_parallelize_5d_tile_2d(p, record<size_t, size_t, size_t, size_t, size_t, size_t, size_t>, rec(x), a, b, d, e,
                                               f, t1, t2, 0);
        });
        expect_each_tile_once("6d_tile_2d", {a, b, d, a, e, f}, {0, 0, 0, 0, t1, t2}, [&](pthreadpool_t p, Recorder& x) {
            pthreadpool_parallelize_6d_tile_2d(p, record<size_t, size_t, size_t, size_t, size_t, size_t, size_t, size_t>, rec(x), a,
                                               b, d, a, e, f, t1, t2, 0);
        });
    }
}

TEST(PthreadpoolShim, ReportsTheLayersThreadCount) {
    dsx::ThreadPool workers;
    pthreadpool handle{&workers, 3};
    EXPECT_EQ(pthreadpool_get_threads_count(&handle), 3u);
    EXPECT_EQ(pthreadpool_get_threads_count(nullptr), 1u);
}
