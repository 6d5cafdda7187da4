#include "dsx/threadpool.h"

#include <algorithm>

namespace dsx {

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
}

ThreadPool& ThreadPool::shared() {
    static ThreadPool pool;
    return pool;
}

void ThreadPool::ensure_workers(int count) {
    while (static_cast<int>(workers_.size()) < count) {
        int index = static_cast<int>(workers_.size()) + 1;
        workers_.emplace_back([this, index] { worker_loop(index); });
    }
}

static void run_chunk(const std::function<void(int64_t, int64_t)>& fn, int64_t n, int chunks, int index) {
    int64_t begin = n * index / chunks;
    int64_t end = n * (index + 1) / chunks;
    if (begin < end) fn(begin, end);
}

void ThreadPool::parallel_for(int64_t n, int threads, const std::function<void(int64_t, int64_t)>& fn) {
    if (n <= 0) return;
    int chunks = static_cast<int>(std::min<int64_t>(std::max(threads, 1), n));
    if (chunks == 1) {
        fn(0, n);
        return;
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        ensure_workers(chunks - 1);
        job_ = &fn;
        job_n_ = n;
        job_chunks_ = chunks;
        pending_.store(chunks - 1, std::memory_order_release);
        ++generation_;
    }
    wake_.notify_all();
    run_chunk(fn, n, chunks, 0);
    // Layers are short: spin briefly before yielding so the join stays cheap.
    for (int spins = 0; pending_.load(std::memory_order_acquire) != 0; ++spins) {
        if (spins > 2000) std::this_thread::yield();
    }
}

void ThreadPool::worker_loop(int index) {
    uint64_t seen = 0;
    for (;;) {
        const std::function<void(int64_t, int64_t)>* job;
        int64_t n;
        int chunks;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
            if (stop_) return;
            seen = generation_;
            job = job_;
            n = job_n_;
            chunks = job_chunks_;
        }
        if (index < chunks) {
            run_chunk(*job, n, chunks, index);
            pending_.fetch_sub(1, std::memory_order_acq_rel);
        }
    }
}

}  // namespace dsx
