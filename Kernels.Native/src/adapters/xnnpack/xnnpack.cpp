// XNNPACK adapters (operator API of XNNPACK git 2022-02-16): Conv in NHWC and FullyConnected, FP32 and
// INT8, and INT8 Add and GlobalAveragePool (so a quantised residual block and the head stay INT8). INT8 conv uses per-output-channel symmetric weight scales (qc8); INT8 FC only exists per-tensor
// (qs8). Activations carry the per-tensor scale/zero point of their TensorDesc. Operators (with their
// packed weights) are created once; pointers are bound by setup on every run since buffers may move.
#include <xnnpack.h>

#include <algorithm>
#include <cmath>

#include "dsx/conv.h"
#include "dsx/convert.h"
#include "dsx/error.h"
#include "../../kernels/eltwise/eltwise.h"
#include "pthreadpool_shim.h"

namespace dsx {
namespace {

xnn_status xnnpack_init() {
    static const xnn_status status = xnn_initialize(nullptr);  // thread-safe static: once per process
    return status;
}

void check(xnn_status status, const NodeSpec& spec, const char* what) {
    if (status != xnn_status_success)
        throw Error(ErrorCode::Internal, std::string("XNNPACK ") + what + " failed with status " + std::to_string(status), spec.name,
                    "xnnpack");
}

struct DeleteOperator {
    void operator()(xnn_operator_t op) const { xnn_delete_operator(op); }
};
using OperatorPtr = std::unique_ptr<xnn_operator, DeleteOperator>;

// Symmetric int8 weights for `rows` output channels of `k` values each: one scale per row (qc8) or one
// for all (qs8); bias requantised to int32 in the accumulator's scale in_scale * w_scale.
struct Int8Weights {
    std::vector<int8_t> q;
    std::vector<float> scale;  // per row, equal across rows when per-tensor
    std::vector<int32_t> bias;
};

std::vector<float> weight_scales(const float* w, int64_t rows, int64_t k, bool per_row) {
    std::vector<float> scale(static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) {
        float m = 0.0f;
        for (int64_t i = 0; i < k; ++i) m = std::max(m, std::abs(w[r * k + i]));
        scale[r] = m;
    }
    if (!per_row) std::fill(scale.begin(), scale.end(), *std::max_element(scale.begin(), scale.end()));
    for (float& s : scale) s = s > 0.0f ? s / 127.0f : 1.0f;  // an all-zero channel quantises exactly with any scale
    return scale;
}

Int8Weights quantize_weights(const float* w, int64_t rows, int64_t k, bool per_row, const float* bias, float in_scale) {
    Int8Weights r{std::vector<int8_t>(static_cast<size_t>(rows * k)), weight_scales(w, rows, k, per_row),
                  std::vector<int32_t>(static_cast<size_t>(rows))};
    for (int64_t o = 0; o < rows; ++o) {
        for (int64_t i = 0; i < k; ++i) r.q[o * k + i] = quantize(w[o * k + i], Quant{r.scale[o], 0});
        if (bias) {
            double b = std::nearbyint(static_cast<double>(bias[o]) / (static_cast<double>(in_scale) * r.scale[o]));
            r.bias[o] = static_cast<int32_t>(std::clamp(b, -2147483648.0, 2147483647.0));
        }
    }
    return r;
}

// XNNPACK's INT8 requantisation limits, checked up front so admits() can refuse instead of create() failing.
// Weights are (rows, K) with one output channel per row in both OIHW and (M, K).
std::string int8_refusal(const NodeSpec& spec, bool per_row) {
    const int64_t rows = spec.weight_dims.at(0);
    int64_t k = 1;
    for (size_t i = 1; i < spec.weight_dims.size(); ++i) k *= spec.weight_dims[i];
    const Quant& in = spec.inputs.at(0).quant;
    const Quant& out = spec.output.quant;
    if (quantize(spec.epilogue.lo, out) >= quantize(spec.epilogue.hi, out))
        return "xnnpack INT8 needs a clamp range wider than one int8 step of the output";
    for (float ws : weight_scales(spec.weight, rows, k, per_row)) {
        float requant = in.scale * ws / out.scale;
        if (!(requant >= 0x1p-32f && requant < 256.0f))
            return "xnnpack INT8 needs in_scale*w_scale/out_scale in [2^-32, 256), got " + std::to_string(requant);
    }
    return {};
}

// OIHW -> XNNPACK's [groups][ocg][kh][kw][cg]: each output channel keeps its K values contiguous.
std::vector<float> to_ohwi(const NodeSpec& spec, const ConvDims& d) {
    const int64_t cg = d.cg(), kk = spec.window.kh * spec.window.kw;
    std::vector<float> w(static_cast<size_t>(d.oc * d.k()));
    for (int64_t o = 0; o < d.oc; ++o)
        for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t s = 0; s < kk; ++s) w[(o * kk + s) * cg + ci] = spec.weight[(o * cg + ci) * kk + s];
    return w;
}

class XnnKernel final : public Kernel {
public:
    using Setup = std::function<xnn_status(xnn_operator_t, const KernelArgs&, pthreadpool_t)>;
    XnnKernel(const NodeSpec& spec, OperatorPtr op, Setup setup, size_t weight_bytes)
        : spec_(spec), op_(std::move(op)), setup_(std::move(setup)), weight_bytes_(weight_bytes) {}

    size_t weight_bytes() const override { return weight_bytes_; }

    void run(const KernelArgs& args) override {
        // Null runs on the caller's thread (pthreadpool's convention), as a one-thread layer should.
        pthreadpool shared{args.pool, args.threads};
        pthreadpool_t pool = args.threads > 1 && args.pool != nullptr ? &shared : nullptr;
        check(setup_(op_.get(), args, pool), spec_, "setup");
        check(xnn_run_operator(op_.get(), pool), spec_, "run");
    }

private:
    NodeSpec spec_;
    OperatorPtr op_;
    Setup setup_;
    size_t weight_bytes_;
};

size_t int8_weight_bytes(const Int8Weights& w) { return w.q.size() + w.bias.size() * sizeof(int32_t) + w.scale.size() * sizeof(float); }

std::unique_ptr<Kernel> create_conv(const NodeSpec& spec) {
    check(xnnpack_init(), spec, "initialize");
    const ConvDims d = conv_dims(spec);
    const Window& s = spec.window;
    const auto u = [](int64_t v) { return static_cast<uint32_t>(v); };
    const auto z = [](int64_t v) { return static_cast<size_t>(v); };
    std::vector<float> w = to_ohwi(spec, d);
    xnn_operator_t op = nullptr;
    if (spec.output.precision == Precision::FP32) {
        check(xnn_create_convolution2d_nhwc_f32(u(s.pt), u(s.pr), u(s.pb), u(s.pl), u(s.kh), u(s.kw), u(s.sh), u(s.sw), u(s.dh), u(s.dw),
                                                u(d.groups), z(d.cg()), z(d.ocg()), z(d.c), z(d.oc), w.data(), spec.bias,
                                                spec.epilogue.lo, spec.epilogue.hi, 0, &op),
              spec, "create_convolution2d_nhwc_f32");
        auto setup = [n = z(d.n), h = z(d.h), w = z(d.w)](xnn_operator_t o, const KernelArgs& a, pthreadpool_t pool) {
            return xnn_setup_convolution2d_nhwc_f32(o, n, h, w, static_cast<const float*>(a.inputs[0]), static_cast<float*>(a.output), pool);
        };
        return std::make_unique<XnnKernel>(spec, OperatorPtr(op), setup, (w.size() + (spec.bias ? z(d.oc) : 0)) * sizeof(float));
    }
    const Quant& in = spec.inputs.at(0).quant;
    const Quant& out = spec.output.quant;
    Int8Weights q = quantize_weights(w.data(), d.oc, d.k(), true, spec.bias, in.scale);
    check(xnn_create_convolution2d_nhwc_qc8(u(s.pt), u(s.pr), u(s.pb), u(s.pl), u(s.kh), u(s.kw), u(s.sh), u(s.sw), u(s.dh), u(s.dw),
                                            u(d.groups), z(d.cg()), z(d.ocg()), z(d.c), z(d.oc), static_cast<int8_t>(in.zero_point),
                                            in.scale, q.scale.data(), q.q.data(), q.bias.data(), static_cast<int8_t>(out.zero_point),
                                            out.scale, quantize(spec.epilogue.lo, out), quantize(spec.epilogue.hi, out), 0, &op),
          spec, "create_convolution2d_nhwc_qc8");
    auto setup = [n = z(d.n), h = z(d.h), w = z(d.w)](xnn_operator_t o, const KernelArgs& a, pthreadpool_t pool) {
        return xnn_setup_convolution2d_nhwc_qc8(o, n, h, w, static_cast<const int8_t*>(a.inputs[0]), static_cast<int8_t*>(a.output), pool);
    };
    return std::make_unique<XnnKernel>(spec, OperatorPtr(op), setup, int8_weight_bytes(q));
}

std::unique_ptr<Kernel> create_fc(const NodeSpec& spec) {
    check(xnnpack_init(), spec, "initialize");
    const size_t n = static_cast<size_t>(spec.inputs.at(0).n());
    const int64_t m = spec.weight_dims.at(0), k = spec.weight_dims.at(1);
    const size_t zm = static_cast<size_t>(m), zk = static_cast<size_t>(k);
    xnn_operator_t op = nullptr;
    if (spec.output.precision == Precision::FP32) {
        check(xnn_create_fully_connected_nc_f32(zk, zm, zk, zm, spec.weight, spec.bias, spec.epilogue.lo, spec.epilogue.hi, 0, &op), spec,
              "create_fully_connected_nc_f32");
        auto setup = [n](xnn_operator_t o, const KernelArgs& a, pthreadpool_t pool) {
            return xnn_setup_fully_connected_nc_f32(o, n, static_cast<const float*>(a.inputs[0]), static_cast<float*>(a.output), pool);
        };
        return std::make_unique<XnnKernel>(spec, OperatorPtr(op), setup, (zm * zk + (spec.bias ? zm : 0)) * sizeof(float));
    }
    const Quant& in = spec.inputs.at(0).quant;
    const Quant& out = spec.output.quant;
    Int8Weights q = quantize_weights(spec.weight, m, k, false, spec.bias, in.scale);
    check(xnn_create_fully_connected_nc_qs8(zk, zm, zk, zm, static_cast<int8_t>(in.zero_point), in.scale, q.scale[0], q.q.data(),
                                            q.bias.data(), static_cast<int8_t>(out.zero_point), out.scale,
                                            quantize(spec.epilogue.lo, out), quantize(spec.epilogue.hi, out), 0, &op),
          spec, "create_fully_connected_nc_qs8");
    auto setup = [n](xnn_operator_t o, const KernelArgs& a, pthreadpool_t pool) {
        return xnn_setup_fully_connected_nc_qs8(o, n, static_cast<const int8_t*>(a.inputs[0]), static_cast<int8_t*>(a.output), pool);
    };
    return std::make_unique<XnnKernel>(spec, OperatorPtr(op), setup, int8_weight_bytes(q));
}

std::string admits_conv(const NodeSpec& spec) {
    if (xnnpack_init() != xnn_status_success) return "XNNPACK does not support this CPU";
    return spec.output.precision == Precision::FP32 ? std::string() : int8_refusal(spec, true);
}

std::string admits_fc(const NodeSpec& spec) {
    if (xnnpack_init() != xnn_status_success) return "XNNPACK does not support this CPU";
    if (spec.inputs.at(0).rank() != 2) return "xnnpack FullyConnected needs a rank-2 input, got rank " + std::to_string(spec.inputs.at(0).rank());
    return spec.output.precision == Precision::FP32 ? std::string() : int8_refusal(spec, false);
}

// Physical shape of Add operand `d` for XNNPACK's NumPy broadcast: right-aligned to the output's rank and,
// for a rank-4 output, in NHWC order. Empty when the operand's memory does not read as that shape (a
// rank-3 or lower operand, stored row-major, whose channel axis and spatial axes are all larger than 1).
std::vector<size_t> add_shape(const TensorDesc& d, int out_rank) {
    std::vector<int64_t> a(static_cast<size_t>(out_rank - d.rank()), 1);
    a.insert(a.end(), d.dims.begin(), d.dims.end());
    if (out_rank == 4) {
        if (d.rank() != 4 && a[1] != 1 && a[2] * a[3] != 1) return {};
        a = {a[0], a[2], a[3], a[1]};
    }
    return std::vector<size_t>(a.begin(), a.end());
}

// Creates the qs8 Add operator; its status tells whether XNNPACK accepts the scale ratios.
xnn_status create_add_qs8(const NodeSpec& spec, xnn_operator_t* op) {
    const Quant &a = spec.inputs.at(0).quant, &b = spec.inputs.at(1).quant, &out = spec.output.quant;
    return xnn_create_add_nd_qs8(static_cast<int8_t>(a.zero_point), a.scale, static_cast<int8_t>(b.zero_point), b.scale,
                                 static_cast<int8_t>(out.zero_point), out.scale, quantize(spec.epilogue.lo, out),
                                 quantize(spec.epilogue.hi, out), 0, op);
}

std::unique_ptr<Kernel> create_add(const NodeSpec& spec) {
    check(xnnpack_init(), spec, "initialize");
    xnn_operator_t op = nullptr;
    check(create_add_qs8(spec, &op), spec, "create_add_nd_qs8");
    const int rank = spec.output.rank();
    auto setup = [a = add_shape(spec.inputs[0], rank), b = add_shape(spec.inputs[1], rank)](xnn_operator_t o, const KernelArgs& args,
                                                                                             pthreadpool_t pool) {
        return xnn_setup_add_nd_qs8(o, a.size(), a.data(), b.size(), b.data(), static_cast<const int8_t*>(args.inputs[0]),
                                    static_cast<const int8_t*>(args.inputs[1]), static_cast<int8_t*>(args.output), pool);
    };
    return std::make_unique<XnnKernel>(spec, OperatorPtr(op), setup, 0);
}

// Refusal of an INT8 element-wise operator XNNPACK builds from per-tensor scales: the clamp must span more
// than one output step, and `create` must accept the scale ratios (the operator is created and dropped).
std::string int8_scales_refusal(const NodeSpec& spec, xnn_status (*create)(const NodeSpec&, xnn_operator_t*)) {
    if (quantize(spec.epilogue.lo, spec.output.quant) >= quantize(spec.epilogue.hi, spec.output.quant))
        return "xnnpack INT8 needs a clamp range wider than one int8 step of the output";
    xnn_operator_t op = nullptr;
    const xnn_status status = create(spec, &op);
    OperatorPtr owned(op);
    if (status != xnn_status_success)
        return std::string("xnnpack INT8 ") + to_string(spec.op) + " does not accept the input/output scale ratios (status " +
               std::to_string(status) + ")";
    return {};
}

std::string admits_add(const NodeSpec& spec) {
    if (xnnpack_init() != xnn_status_success) return "XNNPACK does not support this CPU";
    if (std::string why = eltwise::binary_problem(spec); !why.empty()) return why;
    const int rank = spec.output.rank();
    if (rank > XNN_MAX_TENSOR_DIMS) return "xnnpack Add takes at most " + std::to_string(XNN_MAX_TENSOR_DIMS) + " dimensions";
    for (const TensorDesc& in : spec.inputs)
        if (add_shape(in, rank).empty()) return "xnnpack Add cannot read the lower-rank operand " + in.str() + " in NHWC";
    return int8_scales_refusal(spec, create_add_qs8);
}

// GlobalAveragePool of NHWC data: per image, the mean over H*W rows of C channels into one row of C.
xnn_status create_global_average_pool_qs8(const NodeSpec& spec, xnn_operator_t* op) {
    const Quant &in = spec.inputs.at(0).quant, &out = spec.output.quant;
    const size_t c = static_cast<size_t>(spec.output.c());
    return xnn_create_global_average_pooling_nwc_qs8(c, c, c, static_cast<int8_t>(in.zero_point), in.scale, static_cast<int8_t>(out.zero_point),
                                                     out.scale, quantize(spec.epilogue.lo, out), quantize(spec.epilogue.hi, out), 0, op);
}

std::unique_ptr<Kernel> create_global_average_pool(const NodeSpec& spec) {
    check(xnnpack_init(), spec, "initialize");
    xnn_operator_t op = nullptr;
    check(create_global_average_pool_qs8(spec, &op), spec, "create_global_average_pooling_nwc_qs8");
    const TensorDesc& in = spec.inputs[0];
    auto setup = [n = static_cast<size_t>(in.n()), hw = static_cast<size_t>(in.h() * in.w())](xnn_operator_t o, const KernelArgs& args,
                                                                                              pthreadpool_t pool) {
        return xnn_setup_global_average_pooling_nwc_qs8(o, n, hw, static_cast<const int8_t*>(args.inputs[0]), static_cast<int8_t*>(args.output),
                                                        pool);
    };
    return std::make_unique<XnnKernel>(spec, OperatorPtr(op), setup, 0);
}

std::string admits_global_average_pool(const NodeSpec& spec) {
    if (xnnpack_init() != xnn_status_success) return "XNNPACK does not support this CPU";
    if (spec.inputs.size() != 1 || spec.inputs[0].rank() != 4) return "xnnpack GlobalAveragePool takes one rank-4 input";
    return int8_scales_refusal(spec, create_global_average_pool_qs8);
}

const RegisterPrimitive kXnnConv({
    .primitive = "xnnpack",
    .library = "xnnpack",
    .op = Op::Conv,
    .layouts = {Layout::NHWC},
    .precisions = {Precision::FP32, Precision::INT8},
    .threaded = true,
    .admits = admits_conv,
    .create = create_conv,
});

// Rank-2 activations are plain row-major in any layout, so FC sits in either plain layout without a conversion.
const RegisterPrimitive kXnnFullyConnected({
    .primitive = "xnnpack",
    .library = "xnnpack",
    .op = Op::FullyConnected,
    .layouts = {Layout::NHWC, Layout::NCHW},
    .precisions = {Precision::FP32, Precision::INT8},
    .threaded = true,
    .admits = admits_fc,
    .create = create_fc,
});

// INT8 only (Add and GlobalAveragePool): in FP32 the neon kernels serve, needing no XNNPACK operator per node.
PrimitiveImpl int8_nhwc(Op op, std::string (*admits)(const NodeSpec&), std::unique_ptr<Kernel> (*create)(const NodeSpec&)) {
    return {.primitive = "xnnpack", .library = "xnnpack", .op = op, .layouts = {Layout::NHWC}, .precisions = {Precision::INT8},
            .threaded = true, .admits = admits, .create = create};
}

const RegisterPrimitive kXnnAdd(int8_nhwc(Op::Add, admits_add, create_add));
const RegisterPrimitive kXnnGlobalAveragePool(int8_nhwc(Op::GlobalAveragePool, admits_global_average_pool, create_global_average_pool));

}  // namespace
}  // namespace dsx
