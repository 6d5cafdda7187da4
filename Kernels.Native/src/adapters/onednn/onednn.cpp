// oneDNN adapters (2.6, OpenMP runtime): Conv on nChw8c activations (our NCHW8c) with weights reordered
// once into the format the primitive prefers, and FullyConnected as an inner product on plain rank-2
// input. Bias and clamp are fused as bias argument and eltwise post-op.
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

// libgomp's, declared here rather than through omp.h: GCC's omp.h does not compile under clang (the fuzz build),
// and this is the one OpenMP call we make.
extern "C" void omp_set_num_threads(int threads);

namespace dsx {
namespace {

using dnnl::memory;
using tag = memory::format_tag;

const dnnl::engine& cpu_engine() {
    static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    return engine;
}

// oneDNN streams must not be shared between threads; on CPU they are cheap.
dnnl::stream& thread_stream() {
    thread_local dnnl::stream stream(cpu_engine());
    return stream;
}

dnnl::primitive_attr epilogue_attr(const Epilogue& e) {
    constexpr float inf = std::numeric_limits<float>::infinity();
    dnnl::post_ops ops;
    if (e.lo == 0.0f && e.hi == inf) ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    else if (e.lo != -inf || e.hi != inf) ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip, e.lo, e.hi);
    dnnl::primitive_attr attr;
    attr.set_post_ops(ops);
    return attr;
}

memory::desc bias_desc(const NodeSpec& spec, int64_t channels) {
    return spec.bias ? memory::desc({channels}, memory::data_type::f32, tag::x) : memory::desc();
}

class OneDnnKernel final : public Kernel {
public:
    // Builds the primitive descriptor for the calling thread's current OpenMP thread count.
    using Build = std::function<dnnl::primitive_desc()>;

    OneDnnKernel(const NodeSpec& spec, Build build, const memory::desc& src, const memory::desc& user_weights, const memory::desc& dst)
        : build_(std::move(build)),
          src_(src, cpu_engine(), DNNL_MEMORY_NONE),
          dst_(dst, cpu_engine(), DNNL_MEMORY_NONE),
          user_weights_(user_weights, cpu_engine(), const_cast<float*>(spec.weight)) {
        if (spec.bias) bias_ = memory(bias_desc(spec, spec.weight_dims.at(0)), cpu_engine(), const_cast<float*>(spec.bias));
        const Variant& v = variant(std::max(spec.threads, 1));
        weight_bytes_ = v.weights.get_desc().get_size() + (spec.bias ? bias_.get_desc().get_size() : 0);
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
        std::unordered_map<int, memory> margs{{DNNL_ARG_SRC, src ? src : src_}, {DNNL_ARG_WEIGHTS, v.weights}, {DNNL_ARG_DST, dst_}};
        if (bias_) margs.emplace(DNNL_ARG_BIAS, bias_);
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
    memory src_, dst_, user_weights_, bias_;
    std::map<int, Variant> variants_;
    size_t weight_bytes_ = 0;
};

std::unique_ptr<Kernel> create_conv(const NodeSpec& spec) {
    const ConvDims d = conv_dims(spec);
    const Window& s = d.win;
    const auto f32 = memory::data_type::f32;
    const memory::desc src({d.n, d.c, d.h, d.w}, f32, tag::nChw8c);
    const memory::desc dst({d.n, d.oc, d.oh, d.ow}, f32, tag::nChw8c);
    const memory::desc user_weights = d.groups == 1 ? memory::desc({d.oc, d.cg(), s.kh, s.kw}, f32, tag::oihw)
                                                    : memory::desc({d.groups, d.ocg(), d.cg(), s.kh, s.kw}, f32, tag::goihw);
    const memory::desc any_weights(user_weights.dims(), f32, tag::any);
    // The input format is left to oneDNN: with few input channels (a network's first layer) its fast
    // kernels read plain nchw, and nChw8c would leave it only its reference implementation (~1000x slower).
    // The kernel then reorders our NCHW8c input itself, inside the layer's time.
    const memory::desc any_src({d.n, d.c, d.h, d.w}, f32, tag::any);
    // oneDNN counts dilation from 0 (no dilation) where ONNX counts from 1.
    const dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, any_src,
                                               any_weights, bias_desc(spec, d.oc), dst, {s.sh, s.sw}, {s.dh - 1, s.dw - 1},
                                               {s.pt, s.pl}, {s.pb, s.pr});
    auto build = [desc, attr = epilogue_attr(spec.epilogue)]() -> dnnl::primitive_desc {
        return dnnl::convolution_forward::primitive_desc(desc, attr, cpu_engine());
    };
    return std::make_unique<OneDnnKernel>(spec, build, src, user_weights, dst);
}

std::unique_ptr<Kernel> create_fc(const NodeSpec& spec) {
    const int64_t n = spec.inputs.at(0).n(), m = spec.weight_dims.at(0), k = spec.weight_dims.at(1);
    const auto f32 = memory::data_type::f32;
    const memory::desc src({n, k}, f32, tag::nc);
    const memory::desc dst({n, m}, f32, tag::nc);
    const memory::desc user_weights({m, k}, f32, tag::oi);
    const memory::desc any_weights({m, k}, f32, tag::any);
    const dnnl::inner_product_forward::desc desc(dnnl::prop_kind::forward_inference, src, any_weights, bias_desc(spec, m), dst);
    auto build = [desc, attr = epilogue_attr(spec.epilogue)]() -> dnnl::primitive_desc {
        return dnnl::inner_product_forward::primitive_desc(desc, attr, cpu_engine());
    };
    return std::make_unique<OneDnnKernel>(spec, build, src, user_weights, dst);
}

const RegisterPrimitive kOneDnnConv({
    .primitive = "onednn",
    .library = "onednn",
    .op = Op::Conv,
    .layouts = {Layout::NCHW8c},
    .precisions = {Precision::FP32},
    .threaded = true,
    .admits = admits_any,
    .create = create_conv,
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
