// oneDNN adapters (2.6, OpenMP runtime): Conv with weights reordered once into the format the primitive
// prefers, and FullyConnected as an inner product on plain rank-2 input. Conv runs on nChw8c activations
// (our NCHW8c) or on NHWC: on AVX-512 oneDNN's fast kernels (brgconv, jit_int8 with VNNI) are written for
// 16-channel blocks or NHWC, and NCHW8c leaves it its AVX2 kernels; NHWC also sits beside XNNPACK and our
// NHWC kernels without conversions. INT8 Conv (NHWC) runs our scheme (int8.md): s8 weights per output
// channel, s8 activations with their zero points, per-channel output scales; it is offered only where oneDNN
// has more than its reference implementation for it (so not on aarch64, where it would be scalar code).
// Bias and clamp are fused as bias argument and eltwise post-op.
//
// Many oneDNN implementations fix their work split, and so their OpenMP team size, from
// omp_get_max_threads() when the primitive is created. So each thread count gets its own primitive (and
// weights in its preferred format), built on first use; omp_set_num_threads (per calling thread) is set
// before every oneDNN call.
#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <map>
#include <unordered_map>

#include "dsx/conv.h"
#include "../../kernels/int8/quant.h"

// libgomp's, declared here rather than through omp.h: GCC's omp.h does not compile under clang (the fuzz build),
// and this is the one OpenMP call we make.
extern "C" void omp_set_num_threads(int threads);

namespace dsx {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

const dnnl::engine& cpu_engine() {
    static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    return engine;
}

// oneDNN streams must not be shared between threads; on CPU they are cheap.
dnnl::stream& thread_stream() {
    thread_local dnnl::stream stream(cpu_engine());
    return stream;
}

// The epilogue clamp [lo, hi] as a post-op on the value the primitive computes before storing it.
dnnl::post_ops clamp_post_op(float lo, float hi) {
    constexpr float inf = std::numeric_limits<float>::infinity();
    dnnl::post_ops ops;
    if (lo == 0.0f && hi == inf) ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    else if (lo != -inf || hi != inf) ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip, lo, hi);
    return ops;
}

dnnl::primitive_attr epilogue_attr(const Epilogue& e) {
    dnnl::primitive_attr attr;
    attr.set_post_ops(clamp_post_op(e.lo, e.hi));
    return attr;
}

memory::desc bias_desc(const NodeSpec& spec, int64_t channels) {
    return spec.bias ? memory::desc({channels}, dt::f32, tag::x) : memory::desc();
}

// A memory oneDNN allocates, filled from `values` (its size must match the descriptor's).
template <typename T> memory owned_memory(const memory::desc& desc, const std::vector<T>& values) {
    memory m(desc, cpu_engine());
    std::copy(values.begin(), values.end(), static_cast<T*>(m.get_data_handle()));
    return m;
}

class OneDnnKernel final : public Kernel {
public:
    // Builds the primitive descriptor for the calling thread's current OpenMP thread count.
    using Build = std::function<dnnl::primitive_desc()>;

    // `user_weights` is reordered into each primitive's format when that primitive is built; `constants`
    // (bias, zero points) are passed to every run as they are.
    OneDnnKernel(const NodeSpec& spec, Build build, const memory::desc& src, memory user_weights, const memory::desc& dst,
                 std::unordered_map<int, memory> constants)
        : build_(std::move(build)),
          src_(src, cpu_engine(), DNNL_MEMORY_NONE),
          dst_(dst, cpu_engine(), DNNL_MEMORY_NONE),
          user_weights_(std::move(user_weights)),
          constants_(std::move(constants)) {
        const Variant& v = variant(std::max(spec.threads, 1));
        weight_bytes_ = v.weights.get_desc().get_size();
        for (const auto& [arg, m] : constants_) weight_bytes_ += m.get_desc().get_size();
    }

    size_t weight_bytes() const override { return weight_bytes_; }

    void run(const KernelArgs& args) override {
        const int threads = std::max(args.threads, 1);
        const Variant& v = variant(threads);
        src_.set_data_handle(const_cast<void*>(args.inputs[0]));
        dst_.set_data_handle(args.output);
        omp_set_num_threads(threads);
        memory src = v.src;  // a handle: copying it shares the buffer
        if (src) dnnl::reorder(src_, src).execute(thread_stream(), src_, src);
        std::unordered_map<int, memory> margs = constants_;
        margs.insert({{DNNL_ARG_SRC, src ? src : src_}, {DNNL_ARG_WEIGHTS, v.weights}, {DNNL_ARG_DST, dst_}});
        v.primitive.execute(thread_stream(), margs);
        thread_stream().wait();
    }

private:
    struct Variant {
        dnnl::primitive primitive;
        memory weights;
        memory src;  // set when the primitive wants its input in another format than ours
    };

    const Variant& variant(int threads) {
        auto it = variants_.find(threads);
        if (it != variants_.end()) return it->second;
        omp_set_num_threads(threads);
        dnnl::primitive_desc pd = build_();
        memory weights(pd.weights_desc(), cpu_engine());
        dnnl::reorder(user_weights_, weights).execute(thread_stream(), user_weights_, weights);
        thread_stream().wait();
        memory src;
        if (pd.src_desc() != src_.get_desc()) src = memory(pd.src_desc(), cpu_engine());
        return variants_.emplace(threads, Variant{dnnl::primitive(pd), weights, src}).first->second;
    }

    Build build_;
    memory src_, dst_, user_weights_;
    std::unordered_map<int, memory> constants_;
    std::map<int, Variant> variants_;
    size_t weight_bytes_ = 0;
};

tag activation_tag(Layout layout) { return layout == Layout::NHWC ? tag::nhwc : tag::nChw8c; }

memory::desc conv_weights_desc(const ConvDims& d, dt type, tag plain) {
    const Window& s = d.win;
    return d.groups == 1 ? memory::desc({d.oc, d.cg(), s.kh, s.kw}, type, plain == tag::any ? tag::any : tag::oihw)
                         : memory::desc({d.groups, d.ocg(), d.cg(), s.kh, s.kw}, type, plain == tag::any ? tag::any : tag::goihw);
}

// The convolution's operation descriptor: `src` and `weights` may be format `any`, `dst` is ours.
dnnl::convolution_forward::desc conv_desc(const ConvDims& d, const memory::desc& src, const memory::desc& weights,
                                          const memory::desc& bias, const memory::desc& dst) {
    const Window& s = d.win;
    // oneDNN counts dilation from 0 (no dilation) where ONNX counts from 1.
    return dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src, weights, bias,
                                           dst, {s.sh, s.sw}, {s.dh - 1, s.dw - 1}, {s.pt, s.pl}, {s.pb, s.pr});
}

std::unique_ptr<Kernel> create_conv(const NodeSpec& spec) {
    const ConvDims d = conv_dims(spec);
    const tag layout = activation_tag(spec.inputs.at(0).layout);
    const memory::desc src({d.n, d.c, d.h, d.w}, dt::f32, layout);
    const memory::desc dst({d.n, d.oc, d.oh, d.ow}, dt::f32, layout);
    const memory::desc user_weights = conv_weights_desc(d, dt::f32, tag::oihw);
    // The input format is left to oneDNN: with few input channels (a network's first layer) its fast
    // kernels read plain nchw, and nChw8c would leave it only its reference implementation (~1000x slower).
    // The kernel then reorders our input itself, inside the layer's time.
    const memory::desc any_src({d.n, d.c, d.h, d.w}, dt::f32, tag::any);
    const auto desc = conv_desc(d, any_src, conv_weights_desc(d, dt::f32, tag::any), bias_desc(spec, d.oc), dst);
    auto build = [desc, attr = epilogue_attr(spec.epilogue)]() -> dnnl::primitive_desc {
        return dnnl::convolution_forward::primitive_desc(desc, attr, cpu_engine());
    };
    std::unordered_map<int, memory> constants;
    if (spec.bias) constants.emplace(DNNL_ARG_BIAS, memory(bias_desc(spec, d.oc), cpu_engine(), const_cast<float*>(spec.bias)));
    return std::make_unique<OneDnnKernel>(spec, build, src, memory(user_weights, cpu_engine(), const_cast<float*>(spec.weight)), dst,
                                          std::move(constants));
}

// INT8 Conv: oneDNN computes dst = zp_out + clip(scale_oc * (sum (x - zp_in) * wq + bias_oc)) and rounds to
// nearest even, which is int8.md's requantisation with the clamp bounds moved into the zero-point-free domain.
struct Int8Conv {
    dnnl::convolution_forward::desc desc;
    dnnl::primitive_attr attr;
};

Int8Conv int8_conv(const NodeSpec& spec, const ConvDims& d, const std::vector<float>& scales, float lo, float hi) {
    const memory::desc src({d.n, d.c, d.h, d.w}, dt::s8, tag::nhwc), dst({d.n, d.oc, d.oh, d.ow}, dt::s8, tag::nhwc);
    const memory::desc bias = spec.bias ? memory::desc({d.oc}, dt::f32, tag::x) : memory::desc();
    const float zp_out = static_cast<float>(spec.output.quant.zero_point);
    dnnl::primitive_attr attr;
    attr.set_output_scales(1 << 1, scales);  // per output channel (dimension 1)
    attr.set_zero_points(DNNL_ARG_SRC, 0, {DNNL_RUNTIME_S32_VAL});
    attr.set_zero_points(DNNL_ARG_DST, 0, {DNNL_RUNTIME_S32_VAL});
    attr.set_post_ops(clamp_post_op(lo - zp_out, hi - zp_out));
    return {conv_desc(d, src, conv_weights_desc(d, dt::s8, tag::any), bias, dst), attr};
}

memory zero_point(int32_t value) { return owned_memory(memory::desc({1}, dt::s32, tag::x), std::vector<int32_t>{value}); }

std::unique_ptr<Kernel> create_int8_conv(const NodeSpec& spec) {
    const ConvDims d = conv_dims(spec);
    const int8::QuantizedWeights w = int8::quantize_weights(spec, d.oc, d.k());
    Int8Conv conv = int8_conv(spec, d, w.mult, w.lo, w.hi);
    auto build = [conv]() -> dnnl::primitive_desc { return dnnl::convolution_forward::primitive_desc(conv.desc, conv.attr, cpu_engine()); };
    std::unordered_map<int, memory> constants{{DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC, zero_point(spec.inputs.at(0).quant.zero_point)},
                                              {DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_DST, zero_point(spec.output.quant.zero_point)}};
    // The int32 bias of our scheme, in the accumulator's units as oneDNN adds it (before the output scale).
    if (spec.bias) constants.emplace(DNNL_ARG_BIAS, owned_memory(memory::desc({d.oc}, dt::f32, tag::x), std::vector<float>(w.bias.begin(), w.bias.end())));
    const memory::desc src({d.n, d.c, d.h, d.w}, dt::s8, tag::nhwc), dst({d.n, d.oc, d.oh, d.ow}, dt::s8, tag::nhwc);
    return std::make_unique<OneDnnKernel>(spec, build, src, owned_memory(conv_weights_desc(d, dt::s8, tag::oihw), w.q), dst,
                                          std::move(constants));
}

std::unique_ptr<Kernel> create_any_conv(const NodeSpec& spec) {
    return spec.inputs.at(0).precision == Precision::INT8 ? create_int8_conv(spec) : create_conv(spec);
}

std::string admits_conv(const NodeSpec& spec) {
    const TensorDesc& in = spec.inputs.at(0);
    if (in.precision != Precision::INT8) return {};
    if (in.layout != Layout::NHWC) return "onednn INT8 Conv runs on NHWC only";
    const ConvDims d = conv_dims(spec);
    if (std::string why = int8::check_k("onednn", d.k()); !why.empty()) return why;
    // Which implementation oneDNN picks depends on the shape and the CPU, not on the scale values.
    const Int8Conv conv = int8_conv(spec, d, std::vector<float>(static_cast<size_t>(d.oc), 1.0f), -128.0f, 127.0f);
    try {
        const dnnl::convolution_forward::primitive_desc pd(conv.desc, conv.attr, cpu_engine());
        const std::string impl = pd.impl_info_str();
        // "ref:any", or "gemm_s8s8s32:ref" (aarch64: im2col over oneDNN's reference GEMM, seconds per layer under qemu).
        if (impl.find("ref") != std::string::npos)
            return "onednn has only reference INT8 convolution code for this shape on this CPU (" + impl + ")";
    } catch (const dnnl::error& e) {
        return std::string("onednn has no INT8 convolution for this shape: ") + e.what();
    }
    return {};
}

std::unique_ptr<Kernel> create_fc(const NodeSpec& spec) {
    const int64_t n = spec.inputs.at(0).n(), m = spec.weight_dims.at(0), k = spec.weight_dims.at(1);
    const memory::desc src({n, k}, dt::f32, tag::nc);
    const memory::desc dst({n, m}, dt::f32, tag::nc);
    const memory::desc user_weights({m, k}, dt::f32, tag::oi);
    const memory::desc any_weights({m, k}, dt::f32, tag::any);
    const dnnl::inner_product_forward::desc desc(dnnl::prop_kind::forward_inference, src, any_weights, bias_desc(spec, m), dst);
    auto build = [desc, attr = epilogue_attr(spec.epilogue)]() -> dnnl::primitive_desc {
        return dnnl::inner_product_forward::primitive_desc(desc, attr, cpu_engine());
    };
    std::unordered_map<int, memory> constants;
    if (spec.bias) constants.emplace(DNNL_ARG_BIAS, memory(bias_desc(spec, m), cpu_engine(), const_cast<float*>(spec.bias)));
    return std::make_unique<OneDnnKernel>(spec, build, src, memory(user_weights, cpu_engine(), const_cast<float*>(spec.weight)), dst,
                                          std::move(constants));
}

const RegisterPrimitive kOneDnnConv({
    .primitive = "onednn",
    .library = "onednn",
    .op = Op::Conv,
    // NHWC first: a plan that names no layout, and the single-library seed plan, take the faster one on AVX-512.
    .layouts = {Layout::NHWC, Layout::NCHW8c},
    .precisions = {Precision::FP32, Precision::INT8},
    .threaded = true,
    .admits = admits_conv,
    .create = create_any_conv,
});

const RegisterPrimitive kOneDnnFullyConnected({
    .primitive = "onednn",
    .library = "onednn",
    .op = Op::FullyConnected,
    .layouts = {Layout::NCHW},
    .precisions = {Precision::FP32},
    .threaded = true,
    .admits = [](const NodeSpec& spec) {
        return spec.inputs.at(0).rank() == 2 ? std::string()
                                             : "onednn FullyConnected needs a rank-2 input, got rank " + std::to_string(spec.inputs.at(0).rank());
    },
    .create = create_fc,
});

}  // namespace
}  // namespace dsx
