#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace dsx {

// A fork-join pool for per-layer thread counts: the caller runs chunk 0, workers the rest.
// One parallel_for at a time (layers run one after another).
class ThreadPool {
public:
    ThreadPool() = default;
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    // Calls fn(begin, end) over [0, n) split into at most `threads` contiguous chunks.
    void parallel_for(int64_t n, int threads, const std::function<void(int64_t, int64_t)>& fn);

    static ThreadPool& shared();

private:
    void ensure_workers(int count);
    void worker_loop(int index);

    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_;
    const std::function<void(int64_t, int64_t)>* job_ = nullptr;
    int64_t job_n_ = 0;
    int job_chunks_ = 0;
    uint64_t generation_ = 0;
    std::atomic<int> pending_{0};
    bool stop_ = false;
};

}  // namespace dsx
