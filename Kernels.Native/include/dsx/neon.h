// NEON intrinsics are the source of truth for our kernels: native on aarch64, through SIMDe elsewhere.
#pragma once

#if defined(__aarch64__) || defined(__ARM_NEON)
#include <arm_neon.h>
#define DSX_NATIVE_NEON 1
#else
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/arm/neon.h>
#define DSX_NATIVE_NEON 0
#endif
