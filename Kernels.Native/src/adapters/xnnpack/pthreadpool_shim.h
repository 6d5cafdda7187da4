#pragma once

// The pthreadpool handle XNNPACK's operators run on: a layer's thread count on dsx::ThreadPool
// (pthreadpool_shim.cpp implements the pthreadpool API XNNPACK calls).
#include <pthreadpool.h>

#include "dsx/threadpool.h"

struct pthreadpool {
    dsx::ThreadPool* pool;
    int threads;
};
