#include "graph/model.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <set>
#include <sstream>

#include "dsx/error.h"

namespace dsx {
namespace {

std::string dims_str(const std::vector<int64_t>& d) {
    std::ostringstream s;
    s << '[';
    for (size_t i = 0; i < d.size(); ++i) s << (i ? "x" : "") << d[i];
    s << ']';
    return s.str();
}

int64_t product(const std::vector<int64_t>& d, size_t from = 0) {
    int64_t p = 1;
    for (auto it = d.begin() + static_cast<std::ptrdiff_t>(std::min(from, d.size())); it != d.end(); ++it) p *= *it;
    return p;
}

int64_t product_before(const std::vector<int64_t>& d, size_t to) {
    int64_t p = 1;
    for (auto it = d.begin(); it != d.begin() + static_cast<std::ptrdiff_t>(std::min(to, d.size())); ++it) p *= *it;
    return p;
}

std::vector<int64_t> broadcast(const std::vector<int64_t>& a, const std::vector<int64_t>& b, bool* ok) {
    size_t r = std::max(a.size(), b.size());
    std::vector<int64_t> out(r);
    *ok = true;
    for (size_t i = 0; i < r; ++i) {
        int64_t x = i < r - a.size() ? 1 : a[i - (r - a.size())];
        int64_t y = i < r - b.size() ? 1 : b[i - (r - b.size())];
        if (x != y && x != 1 && y != 1) *ok = false;
        out[i] = std::max(x, y);
    }
    return out;
}

int normalize_axis(int axis, int rank) { return axis < 0 ? axis + rank : axis; }

// The element count of `d`, or -1 when a dimension is negative or the count is over kMaxTensorElements (overflow-safe:
// every later size computation may then multiply freely).
int64_t checked_elements(const std::vector<int64_t>& d) {
    int64_t n = 1;
    for (int64_t x : d) {
        if (x < 0 || (x > 0 && n > kMaxTensorElements / x)) return -1;
        n *= x;
    }
    return n;
}

// Kernel, stride, pad and dilation values beyond any real network; bounding them keeps window arithmetic in range.
constexpr int kMaxWindow = 1 << 16;

}  // namespace

Model::Model(const wire::Graph& graph) : name_(graph.name()) {
    for (const auto& t : graph.initializers()) {
        Weights w;
        w.dims.assign(t.dims().begin(), t.dims().end());
        const int64_t n = checked_elements(w.dims);
        if (n <= 0)
            throw Error(ErrorCode::BadModel, "initializer '" + t.name() + "' has dims " + dims_str(w.dims) + "; each must be positive, with at most " +
                                                 std::to_string(kMaxTensorElements) + " elements in all");
        if (static_cast<size_t>(n) * 4 != t.float_data().size())
            throw Error(ErrorCode::BadModel, "initializer '" + t.name() + "' has dims " + dims_str(w.dims) + " but " +
                                                 std::to_string(t.float_data().size()) + " bytes of float32 data");
        w.data.resize(static_cast<size_t>(n));
        std::memcpy(w.data.data(), t.float_data().data(), t.float_data().size());
        if (!weights_.emplace(t.name(), std::move(w)).second) throw Error(ErrorCode::BadModel, "initializer '" + t.name() + "' is defined twice");
    }
    for (const auto& in : graph.inputs()) {
        Value v;
        v.name = in.name();
        v.dims.assign(in.shape().begin(), in.shape().end());
        v.graph_input = true;
        if (v.dims.empty() || std::any_of(v.dims.begin(), v.dims.end(), [](int64_t d) { return d <= 0; }))
            throw Error(ErrorCode::BadModel, "graph input '" + v.name + "' has shape " + dims_str(v.dims) + "; every dimension must be known and positive");
        if (checked_elements(v.dims) < 0)
            throw Error(ErrorCode::BadModel, "graph input '" + v.name + "' has shape " + dims_str(v.dims) + ", over " + std::to_string(kMaxTensorElements) + " elements");
        if (value_by_name_.count(v.name)) throw Error(ErrorCode::BadModel, "graph input '" + v.name + "' is declared twice");
        value_by_name_[v.name] = static_cast<int>(values_.size());
        inputs_.push_back(static_cast<int>(values_.size()));
        values_.push_back(std::move(v));
    }
    if (inputs_.empty()) throw Error(ErrorCode::BadModel, "the graph has no inputs");
    std::set<std::string> node_names;
    for (int i = 0; i < graph.nodes_size(); ++i) {
        const auto& wn = graph.nodes(i);
        if (wn.name().empty()) throw Error(ErrorCode::BadModel, "node #" + std::to_string(i) + " has no name; plans address nodes by name");
        if (!node_names.insert(wn.name()).second) throw Error(ErrorCode::BadModel, "node name '" + wn.name() + "' is used twice", wn.name());
        add_node(wn, i);
    }
    for (const auto& out : graph.outputs()) {
        auto it = value_by_name_.find(out.name());
        if (it == value_by_name_.end()) throw Error(ErrorCode::BadModel, "graph output '" + out.name() + "' is produced by no node");
        values_[it->second].graph_output = true;
        outputs_.push_back(it->second);
    }
    if (outputs_.empty()) throw Error(ErrorCode::BadModel, "the graph has no outputs");
}

int Model::value_index(const std::string& name) const {
    auto it = value_by_name_.find(name);
    return it == value_by_name_.end() ? -1 : it->second;
}

size_t Model::weight_bytes() const {
    size_t total = 0;
    for (const auto& [name, w] : weights_) total += w.data.size() * sizeof(float);
    return total;
}

size_t Model::footprint_bytes() const {
    size_t total = weight_bytes();
    for (const Value& v : values_) total += static_cast<size_t>(product(v.dims)) * sizeof(float);
    return total;
}

const Weights* Model::weights(const std::string& name, const GraphNode& node, bool required) const {
    if (name.empty()) {
        if (required) throw Error(ErrorCode::BadModel, "node '" + node.name + "' (" + to_string(node.op) + ") names no weight", node.name);
        return nullptr;
    }
    auto it = weights_.find(name);
    if (it == weights_.end())
        throw Error(ErrorCode::BadModel, "node '" + node.name + "' uses initializer '" + name + "', which the graph does not contain", node.name);
    return &it->second;
}

void Model::add_node(const wire::Node& wn, int index) {
    if (wn.op() < wire::CONV || wn.op() > wire::SOFTMAX)
        throw Error(ErrorCode::UnsupportedOp, "node '" + wn.name() + "' has unsupported op type " + std::to_string(wn.op()), wn.name());
    GraphNode node;
    node.name = wn.name();
    node.op = static_cast<Op>(wn.op());
    for (const auto& in : wn.inputs()) {
        auto it = value_by_name_.find(in);
        if (it == value_by_name_.end())
            throw Error(ErrorCode::BadModel, "node '" + wn.name() + "' reads '" + in + "', which is neither a graph input nor produced by an earlier node",
                        wn.name());
        node.inputs.push_back(it->second);
    }
    if (wn.output().empty() || value_by_name_.count(wn.output()))
        throw Error(ErrorCode::BadModel, "node '" + wn.name() + "' must write a new, uniquely named value (got '" + wn.output() + "')", wn.name());

    NodeSpec& s = node.spec;
    s.op = node.op;
    s.name = node.name;
    auto ints = [](const auto& field, std::vector<int> fallback) {
        return field.empty() ? fallback : std::vector<int>(field.begin(), field.end());
    };
    std::vector<int> kernel = ints(wn.kernel(), {}), strides = ints(wn.strides(), {1, 1}), pads = ints(wn.pads(), {0, 0, 0, 0}),
                     dil = ints(wn.dilations(), {1, 1});
    if (strides.size() != 2 || pads.size() != 4 || dil.size() != 2 || (!kernel.empty() && kernel.size() != 2))
        throw Error(ErrorCode::BadModel, "node '" + wn.name() + "': kernel/strides/dilations need 2 values and pads 4 (top, left, bottom, right)", wn.name());
    auto within = [](const std::vector<int>& v, int lo) { return std::all_of(v.begin(), v.end(), [lo](int x) { return x >= lo && x <= kMaxWindow; }); };
    if (!within(strides, 1) || !within(dil, 1) || !within(pads, 0) || !within(kernel, 1))
        throw Error(ErrorCode::BadModel, "node '" + wn.name() + "': kernel, strides and dilations must be 1 to " + std::to_string(kMaxWindow) + " and pads 0 to " +
                                             std::to_string(kMaxWindow), wn.name());
    s.window.sh = strides[0];
    s.window.sw = strides[1];
    s.window.pt = pads[0];
    s.window.pl = pads[1];
    s.window.pb = pads[2];
    s.window.pr = pads[3];
    s.window.dh = dil[0];
    s.window.dw = dil[1];
    if (!kernel.empty()) {
        s.window.kh = kernel[0];
        s.window.kw = kernel[1];
    }
    s.groups = wn.group() > 0 ? wn.group() : 1;
    s.count_include_pad = wn.count_include_pad();
    s.axis = wn.axis();
    s.perm.assign(wn.perm().begin(), wn.perm().end());
    s.alpha = wn.alpha();
    s.beta = wn.beta();
    if (node.op == Op::Clip) {
        s.alpha = wn.act_min();
        s.beta = wn.act_max();
    }
    if (wn.activation() == wire::FUSED_RELU) s.epilogue.lo = 0.0f;
    if (wn.activation() == wire::FUSED_CLIP) {
        s.epilogue.lo = wn.act_min();
        s.epilogue.hi = wn.act_max();
    }
    if (node.op == Op::Conv || node.op == Op::FullyConnected) {
        const Weights* w = weights(wn.weight(), node, true);
        s.weight = w->data.data();
        s.weight_dims = w->dims;
        if (const Weights* b = weights(wn.bias(), node, false)) {
            if (b->dims.size() != 1 || b->dims[0] != w->dims[0])
                throw Error(ErrorCode::ShapeMismatch, "node '" + wn.name() + "': bias " + dims_str(b->dims) + " does not match " + std::to_string(w->dims[0]) +
                                                          " output channels", wn.name());
            s.bias = b->data.data();
        }
    } else if (!wn.weight().empty()) {
        throw Error(ErrorCode::BadModel, "node '" + wn.name() + "' (" + to_string(node.op) + ") cannot take a weight", wn.name());
    }
    Value out;
    out.name = wn.output();
    out.producer = index;
    node.output = static_cast<int>(values_.size());
    value_by_name_[out.name] = node.output;
    values_.push_back(std::move(out));
    for (int v : node.inputs) values_[v].consumers.push_back(index);
    nodes_.push_back(std::move(node));
    infer(nodes_.back(), wn);
}

void Model::infer(GraphNode& node, const wire::Node& wn) {
    NodeSpec& s = node.spec;
    const std::string& nm = node.name;
    auto fail = [&](ErrorCode code, const std::string& why) { throw Error(code, "node '" + nm + "' (" + to_string(node.op) + "): " + why, nm); };
    auto in = [&](size_t i) -> const std::vector<int64_t>& { return values_[node.inputs[i]].dims; };
    auto need_inputs = [&](size_t lo, size_t hi) {
        if (node.inputs.size() < lo || node.inputs.size() > hi)
            fail(ErrorCode::BadModel, "takes " + (lo == hi ? std::to_string(lo) : std::to_string(lo) + " to " + std::to_string(hi)) + " inputs, got " +
                                          std::to_string(node.inputs.size()));
    };
    auto need_rank = [&](size_t i, size_t rank) {
        if (in(i).size() != rank) fail(ErrorCode::ShapeMismatch, "input " + dims_str(in(i)) + " must have rank " + std::to_string(rank));
    };
    std::vector<int64_t> out;
    switch (node.op) {
        case Op::Conv: {
            need_inputs(1, 1);
            need_rank(0, 4);
            const auto& w = s.weight_dims;
            if (w.size() != 4) fail(ErrorCode::ShapeMismatch, "weight " + dims_str(w) + " must be OIHW");
            if (w[2] < 1 || w[3] < 1 || w[2] > kMaxWindow || w[3] > kMaxWindow) fail(ErrorCode::ShapeMismatch, "weight " + dims_str(w) + " has an impossible kernel size");
            if (wn.kernel_size() == 2 && (wn.kernel(0) != w[2] || wn.kernel(1) != w[3]))
                fail(ErrorCode::ShapeMismatch, "kernel attribute does not match weight " + dims_str(w));
            s.window.kh = static_cast<int>(w[2]);
            s.window.kw = static_cast<int>(w[3]);
            const int64_t c = in(0)[1];
            if (c % s.groups != 0 || w[0] % s.groups != 0 || w[1] * s.groups != c)
                fail(ErrorCode::ShapeMismatch, "input channels " + std::to_string(c) + ", weight " + dims_str(w) + " and group " + std::to_string(s.groups) +
                                                   " disagree");
            out = {in(0)[0], w[0], s.window.out_h(in(0)[2]), s.window.out_w(in(0)[3])};
            break;
        }
        case Op::FullyConnected: {
            need_inputs(1, 1);
            need_rank(0, 2);
            const auto& w = s.weight_dims;
            if (w.size() != 2 || w[1] != in(0)[1])
                fail(ErrorCode::ShapeMismatch, "weight " + dims_str(w) + " does not fit input " + dims_str(in(0)) + " (expected (M, " + std::to_string(in(0)[1]) + "))");
            out = {in(0)[0], w[0]};
            break;
        }
        case Op::MaxPool:
        case Op::AveragePool:
            need_inputs(1, 1);
            need_rank(0, 4);
            if (s.window.kh < 1 || s.window.kw < 1) fail(ErrorCode::BadModel, "needs a kernel size");
            out = {in(0)[0], in(0)[1], s.window.out_h(in(0)[2]), s.window.out_w(in(0)[3])};
            break;
        case Op::GlobalAveragePool:
            need_inputs(1, 1);
            need_rank(0, 4);
            out = {in(0)[0], in(0)[1], 1, 1};
            break;
        case Op::Relu:
        case Op::Clip:
        case Op::Sigmoid:
        case Op::HardSigmoid:
        case Op::HardSwish:
        case Op::Softmax:
            need_inputs(1, 1);
            out = in(0);
            if (node.op == Op::Softmax) {
                s.axis = normalize_axis(s.axis, static_cast<int>(out.size()));
                if (s.axis < 0 || s.axis >= static_cast<int>(out.size())) fail(ErrorCode::BadModel, "axis out of range");
            }
            break;
        case Op::Add:
        case Op::Mul: {
            need_inputs(2, 2);
            bool ok;
            out = broadcast(in(0), in(1), &ok);
            if (!ok) fail(ErrorCode::ShapeMismatch, "cannot broadcast " + dims_str(in(0)) + " with " + dims_str(in(1)));
            break;
        }
        case Op::Concat: {
            need_inputs(1, 64);
            out = in(0);
            s.axis = normalize_axis(s.axis, static_cast<int>(out.size()));
            if (s.axis < 0 || s.axis >= static_cast<int>(out.size())) fail(ErrorCode::BadModel, "axis out of range");
            for (size_t i = 1; i < node.inputs.size(); ++i) {
                const auto& d = in(i);
                bool same = d.size() == out.size();
                for (size_t k = 0; same && k < d.size(); ++k) same = static_cast<int>(k) == s.axis || d[k] == out[k];
                if (!same) fail(ErrorCode::ShapeMismatch, "inputs " + dims_str(in(0)) + " and " + dims_str(d) + " differ off the concat axis");
                out[s.axis] += d[s.axis];
            }
            break;
        }
        case Op::Flatten: {
            need_inputs(1, 1);
            int axis = normalize_axis(s.axis, static_cast<int>(in(0).size()));
            if (axis < 0 || axis > static_cast<int>(in(0).size())) fail(ErrorCode::BadModel, "axis out of range");
            s.axis = axis;
            out = {product_before(in(0), static_cast<size_t>(axis)), product(in(0), static_cast<size_t>(axis))};
            break;
        }
        case Op::Reshape: {
            need_inputs(1, 1);
            // ONNX semantics: 0 copies the input's dimension, one -1 is inferred.
            int inferred = -1;
            int64_t known = 1;
            for (int i = 0; i < wn.shape_size(); ++i) {
                int64_t d = wn.shape(i);
                if (d == 0 && i < static_cast<int>(in(0).size())) d = in(0)[i];
                if (d == -1) {
                    if (inferred >= 0) fail(ErrorCode::BadModel, "shape has more than one -1");
                    inferred = i;
                } else if (d < 0 || __builtin_mul_overflow(known, d, &known)) {
                    fail(ErrorCode::BadModel, "shape " + std::to_string(d) + " at position " + std::to_string(i) + " is not a size, 0 or -1");
                }
                out.push_back(d);
            }
            if (inferred >= 0 && known > 0) out[inferred] = product(in(0)) / known;
            if (product(out) != product(in(0))) fail(ErrorCode::ShapeMismatch, "cannot reshape " + dims_str(in(0)) + " to " + dims_str(out));
            break;
        }
        case Op::Transpose: {
            need_inputs(1, 1);
            const size_t r = in(0).size();
            if (s.perm.empty())
                for (size_t i = 0; i < r; ++i) s.perm.push_back(static_cast<int>(r - 1 - i));
            std::vector<int> sorted = s.perm;
            std::sort(sorted.begin(), sorted.end());
            std::vector<int> iota(r);
            std::iota(iota.begin(), iota.end(), 0);
            if (sorted != iota) fail(ErrorCode::BadModel, "perm is not a permutation of the input's axes");
            for (int p : s.perm) out.push_back(in(0)[p]);
            break;
        }
    }
    for (int64_t d : out)
        if (d <= 0) fail(ErrorCode::ShapeMismatch, "output shape " + dims_str(out) + " is empty (input " + dims_str(in(0)) + ")");
    if (checked_elements(out) < 0) fail(ErrorCode::ShapeMismatch, "output shape " + dims_str(out) + " is over " + std::to_string(kMaxTensorElements) + " elements");
    values_[node.output].dims = out;
}

}  // namespace dsx
