#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dsx/tensor.h"
#include "dsx/threadpool.h"

namespace dsx {

// Mirrors dsx.wire.OpType.
enum class Op : uint8_t {
    Conv = 1,
    FullyConnected = 2,
    MaxPool = 3,
    AveragePool = 4,
    GlobalAveragePool = 5,
    Relu = 6,
    Clip = 7,
    Sigmoid = 8,
    HardSigmoid = 9,
    HardSwish = 10,
    Add = 11,
    Mul = 12,
    Concat = 13,
    Flatten = 14,
    Reshape = 15,
    Transpose = 16,
    Softmax = 17,
};

const char* to_string(Op op);

// Fused activation of every Conv/FullyConnected epilogue: y = clamp(acc + bias, lo, hi).
struct Epilogue {
    float lo = -std::numeric_limits<float>::infinity();
    float hi = std::numeric_limits<float>::infinity();
    float apply(float v) const { return v < lo ? lo : (v > hi ? hi : v); }
};

// Window geometry of Conv and the pools.
struct Window {
    int kh = 1, kw = 1;
    int sh = 1, sw = 1;
    int pt = 0, pl = 0, pb = 0, pr = 0;
    int dh = 1, dw = 1;
    int64_t out_h(int64_t h) const { return (h + pt + pb - dh * (kh - 1) - 1) / sh + 1; }
    int64_t out_w(int64_t w) const { return (w + pl + pr - dw * (kw - 1) - 1) / sw + 1; }
};

// Everything a primitive needs to decide whether it admits a node and to prepare a kernel for it.
// Inputs and output are described in the layout and precision the node runs in.
struct NodeSpec {
    Op op = Op::Conv;
    std::string name;
    std::vector<TensorDesc> inputs;
    TensorDesc output;

    // Conv: weight OIHW (O, C/groups, kh, kw); FullyConnected: weight (M, K). FP32, as in the model.
    const float* weight = nullptr;
    std::vector<int64_t> weight_dims;
    const float* bias = nullptr;  // may be null
    Epilogue epilogue;
    Window window;
    int groups = 1;
    bool count_include_pad = false;

    int axis = 1;                // Concat, Flatten, Softmax
    std::vector<int> perm;       // Transpose
    float alpha = 0.2f;          // HardSigmoid; Clip min
    float beta = 0.5f;           // HardSigmoid; Clip max

    int threads = 1;
};

// Where a kernel reads and writes during one run.
struct KernelArgs {
    std::span<const void* const> inputs;
    void* output = nullptr;
    void* workspace = nullptr;
    ThreadPool* pool = nullptr;
    int threads = 1;
};

// A primitive prepared for one node: weights packed once, then run many times.
class Kernel {
public:
    virtual ~Kernel() = default;
    // Bytes this kernel keeps for weights (packed, quantised or the originals it reads).
    virtual size_t weight_bytes() const { return 0; }
    // Scratch it needs during run (given in KernelArgs::workspace, 64-byte aligned).
    virtual size_t workspace_bytes() const { return 0; }
    virtual void run(const KernelArgs& args) = 0;
};

// One primitive's implementation of one op.
struct PrimitiveImpl {
    std::string primitive;   // "ref", "gemm_neon", ...
    std::string library;     // "" for our own kernels
    Op op;
    std::vector<Layout> layouts;
    std::vector<Precision> precisions;
    bool threaded = false;
    // Empty when the node (already in one of `layouts`/`precisions`) is admitted, else why not.
    std::function<std::string(const NodeSpec&)> admits;
    std::function<std::unique_ptr<Kernel>(const NodeSpec&)> create;
};

class Registry {
public:
    static Registry& instance();
    void add(PrimitiveImpl impl);
    const PrimitiveImpl* find(const std::string& primitive, Op op) const;
    const std::vector<PrimitiveImpl>& all() const { return impls_; }

private:
    std::vector<PrimitiveImpl> impls_;
};

// PrimitiveImpl::admits of a primitive that takes every node of its op.
inline std::string admits_any(const NodeSpec&) { return {}; }

// PrimitiveImpl::create of a kernel whose constructor takes the NodeSpec.
template <typename K> std::unique_ptr<Kernel> create_kernel(const NodeSpec& spec) { return std::make_unique<K>(spec); }

// Registers at static-initialisation time; kernels are linked as an object library so none is dropped.
struct RegisterPrimitive {
    explicit RegisterPrimitive(PrimitiveImpl impl) { Registry::instance().add(std::move(impl)); }
};

}  // namespace dsx
