// Shared test machinery: random problems, running any registered primitive on NCHW FP32 data, errors.
#pragma once

#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "dsx/conv.h"
#include "dsx/convert.h"
#include "dsx/kernel.h"

namespace dsx::testing {

// A node with its own weights, described in NCHW FP32 (the reference's form).
struct Problem {
    NodeSpec spec;
    std::vector<float> weight, bias;
    std::vector<std::vector<float>> inputs;  // NCHW
    std::string describe() const;
};

// Kinds of convolution the random generator draws from, so every primitive meets shapes it admits.
enum class ConvFamily { Any, Pointwise, K3S1, K3S2, Depthwise3x3, Grouped, Large };

Problem random_conv(std::mt19937& rng, ConvFamily family);
Problem random_fc(std::mt19937& rng);
// The `attempt`-th draw of a conformance loop: for Conv, cycles through every ConvFamily so each
// primitive meets shapes it admits; for FullyConnected, a random FC.
Problem random_problem(std::mt19937& rng, Op op, int attempt);
std::vector<float> random_vector(std::mt19937& rng, size_t n, float lo = -1.0f, float hi = 1.0f);

// Runs `primitive` on `p` with the node in `layout`/`precision`: converts the NCHW FP32 inputs in,
// runs, converts the output back. Quantisation parameters for INT8 come from the data's ranges
// (and, for the output, from the reference result `ref_out` when given).
// Returns the empty vector and sets `why` when the primitive does not admit the node.
std::vector<float> run_primitive(const std::string& primitive, const Problem& p, Layout layout, Precision precision,
                                 int threads, std::string* why, const std::vector<float>* ref_out = nullptr);

inline std::vector<float> run_ref(const Problem& p) { return run_primitive("ref", p, Layout::NCHW, Precision::FP32, 1, nullptr); }

// ||a - b||_2 / ||b||_2 (b is the reference).
double relative_l2(const std::vector<float>& a, const std::vector<float>& b);
double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace dsx::testing
