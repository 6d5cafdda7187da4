// winograd_neon's two variants, F(2x2,3x3) and F(4x4,3x3), exposed so tests can check each one.
#pragma once

#include <memory>
#include <string>

#include "dsx/kernel.h"

namespace dsx::winograd {

// Empty when the node is a 3x3 stride-1 dilation-1 NCHW FP32 conv with groups == 1, else why not.
std::string admits(const NodeSpec& spec);

// The output tile m the registered primitive picks for the node: 4 when the output is at least 4x4, else 2.
int default_tile(const NodeSpec& spec);

// A kernel computing the node with F(m x m, 3x3), m = 2 or 4.
std::unique_ptr<Kernel> create(const NodeSpec& spec, int tile);

}  // namespace dsx::winograd
