#include "kernel_testing.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace dsx::testing {

std::vector<float> random_vector(std::mt19937& rng, size_t n, float lo, float hi) {
    std::uniform_real_distribution<float> u(lo, hi);
    std::vector<float> v(n);
    for (float& x : v) x = u(rng);
    return v;
}

static int pick(std::mt19937& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

std::string Problem::describe() const {
    std::ostringstream s;
    s << to_string(spec.op) << " in=" << spec.inputs.at(0).str() << " out=" << spec.output.str();
    if (spec.op == Op::Conv) {
        const Window& w = spec.window;
        s << " k=" << w.kh << "x" << w.kw << " s=" << w.sh << "x" << w.sw << " pad=" << w.pt << "," << w.pl << "," << w.pb << ","
          << w.pr << " dil=" << w.dh << "x" << w.dw << " groups=" << spec.groups;
    }
    s << " bias=" << (spec.bias != nullptr) << " clamp=[" << spec.epilogue.lo << "," << spec.epilogue.hi << "]";
    return s.str();
}

static void finish(Problem& p, std::mt19937& rng, std::vector<int64_t> in_dims, std::vector<int64_t> out_dims) {
    p.spec.inputs = {TensorDesc{in_dims}};
    p.spec.output = TensorDesc{out_dims};
    p.spec.weight = p.weight.data();
    p.spec.bias = p.bias.empty() ? nullptr : p.bias.data();
    switch (pick(rng, 0, 2)) {
        case 0: break;
        case 1: p.spec.epilogue.lo = 0.0f; break;
        default: p.spec.epilogue.lo = 0.0f; p.spec.epilogue.hi = 6.0f; break;
    }
    p.inputs = {random_vector(rng, static_cast<size_t>(p.spec.inputs[0].numel()))};
}

Problem random_conv(std::mt19937& rng, ConvFamily family) {
    Problem p;
    NodeSpec& s = p.spec;
    s.op = Op::Conv;
    s.name = "conv";
    Window& w = s.window;
    int64_t n = pick(rng, 1, 2), c = pick(rng, 1, 24), oc = pick(rng, 1, 24), h = pick(rng, 1, 17), wd = pick(rng, 1, 17);
    int groups = 1;
    switch (family) {
        case ConvFamily::Any:
            w.kh = pick(rng, 1, 5); w.kw = pick(rng, 1, 5);
            w.sh = pick(rng, 1, 2); w.sw = pick(rng, 1, 2);
            w.dh = pick(rng, 1, 2); w.dw = pick(rng, 1, 2);
            w.pt = pick(rng, 0, 2); w.pl = pick(rng, 0, 2); w.pb = pick(rng, 0, 2); w.pr = pick(rng, 0, 2);
            break;
        case ConvFamily::Pointwise:
            c = pick(rng, 1, 70); oc = pick(rng, 1, 70);
            break;
        case ConvFamily::K3S1:
        case ConvFamily::K3S2:
            w.kh = w.kw = 3;
            w.sh = w.sw = family == ConvFamily::K3S1 ? 1 : 2;
            w.pt = w.pl = w.pb = w.pr = pick(rng, 0, 1);
            h = pick(rng, 3, 23); wd = pick(rng, 3, 23);
            break;
        case ConvFamily::Depthwise3x3:
            w.kh = w.kw = 3;
            w.sh = w.sw = pick(rng, 1, 2);
            w.pt = w.pl = w.pb = w.pr = pick(rng, 0, 1);
            c = oc = groups = pick(rng, 1, 40);
            h = pick(rng, 3, 23); wd = pick(rng, 3, 23);
            break;
        case ConvFamily::Grouped:
            groups = pick(rng, 2, 4);
            c = groups * pick(rng, 1, 6); oc = groups * pick(rng, 1, 6);
            w.kh = w.kw = pick(rng, 1, 3);
            w.pt = w.pl = w.pb = w.pr = w.kh / 2;
            w.sh = w.sw = pick(rng, 1, 2);
            break;
        case ConvFamily::Large:
            c = pick(rng, 16, 96); oc = pick(rng, 16, 96); h = wd = pick(rng, 8, 28);
            w.kh = w.kw = pick(rng, 0, 1) ? 3 : 1;
            w.pt = w.pl = w.pb = w.pr = w.kh / 2;
            break;
    }
    // Keep the window inside the padded input.
    h = std::max<int64_t>(h, w.dh * (w.kh - 1) + 1);
    wd = std::max<int64_t>(wd, w.dw * (w.kw - 1) + 1);
    s.groups = groups;
    p.weight = random_vector(rng, static_cast<size_t>(oc * (c / groups) * w.kh * w.kw), -0.5f, 0.5f);
    s.weight_dims = {oc, c / groups, w.kh, w.kw};
    if (pick(rng, 0, 3) != 0) p.bias = random_vector(rng, static_cast<size_t>(oc));
    finish(p, rng, {n, c, h, wd}, {n, oc, w.out_h(h), w.out_w(wd)});
    return p;
}

Problem random_fc(std::mt19937& rng) {
    Problem p;
    p.spec.op = Op::FullyConnected;
    p.spec.name = "fc";
    int64_t n = pick(rng, 1, 4), k = pick(rng, 1, 300), m = pick(rng, 1, 130);
    p.weight = random_vector(rng, static_cast<size_t>(m * k), -0.5f, 0.5f);
    p.spec.weight_dims = {m, k};
    if (pick(rng, 0, 3) != 0) p.bias = random_vector(rng, static_cast<size_t>(m));
    finish(p, rng, {n, k}, {n, m});
    return p;
}

Problem random_problem(std::mt19937& rng, Op op, int attempt) {
    constexpr ConvFamily kFamilies[] = {ConvFamily::Any,          ConvFamily::Pointwise, ConvFamily::K3S1, ConvFamily::K3S2,
                                        ConvFamily::Depthwise3x3, ConvFamily::Grouped,   ConvFamily::Large};
    return op == Op::Conv ? random_conv(rng, kFamilies[attempt % 7]) : random_fc(rng);
}

static std::pair<float, float> range_of(const std::vector<float>& v) {
    auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    return {*lo, *hi};
}

std::vector<float> run_primitive(const std::string& primitive, const Problem& p, Layout layout, Precision precision, int threads,
                                 std::string* why, const std::vector<float>* ref_out) {
    const PrimitiveImpl* impl = Registry::instance().find(primitive, p.spec.op);
    if (!impl) throw std::runtime_error("no primitive " + primitive + " for " + to_string(p.spec.op));
    NodeSpec spec = p.spec;
    spec.threads = threads;
    auto place = [&](TensorDesc& d, const std::vector<float>* data) {
        if (d.rank() == 4) d.layout = layout;
        d.precision = precision;
        if (precision == Precision::INT8 && data) {
            auto [lo, hi] = range_of(*data);
            d.quant = choose_quant(lo, hi);
        }
    };
    for (size_t i = 0; i < spec.inputs.size(); ++i) place(spec.inputs[i], &p.inputs[i]);
    place(spec.output, ref_out);
    std::string reason = impl->admits(spec);
    if (!reason.empty()) {
        if (why) *why = reason;
        return {};
    }
    auto kernel = impl->create(spec);
    ThreadPool& pool = ThreadPool::shared();
    std::vector<Buffer> in_buffers;
    std::vector<const void*> in_ptrs;
    for (size_t i = 0; i < spec.inputs.size(); ++i) {
        in_buffers.emplace_back(spec.inputs[i].bytes());
        convert(p.spec.inputs[i], p.inputs[i].data(), spec.inputs[i], in_buffers.back().data(), pool, 1);
        in_ptrs.push_back(in_buffers.back().data());
    }
    Buffer out(spec.output.bytes());
    Buffer workspace(kernel->workspace_bytes());
    KernelArgs args{in_ptrs, out.data(), workspace.data(), &pool, threads};
    kernel->run(args);
    std::vector<float> result(static_cast<size_t>(p.spec.output.numel()));
    convert(spec.output, out.data(), p.spec.output, result.data(), pool, 1);
    return result;
}

double relative_l2(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size()) return INFINITY;
    double num = 0, den = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        double d = static_cast<double>(a[i]) - b[i];
        num += d * d;
        den += static_cast<double>(b[i]) * b[i];
    }
    return den == 0 ? std::sqrt(num) : std::sqrt(num / den);
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size()) return INFINITY;
    double m = 0;
    for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(static_cast<double>(a[i]) - b[i]));
    return m;
}

}  // namespace dsx::testing
