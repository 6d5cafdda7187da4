#include "dsx/tensor.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>

namespace dsx {

const char* to_string(Layout layout) {
    switch (layout) {
        case Layout::NCHW: return "NCHW";
        case Layout::NHWC: return "NHWC";
        case Layout::NCHW8c: return "NCHW8c";
    }
    return "?";
}

const char* to_string(Precision precision) { return precision == Precision::INT8 ? "INT8" : "FP32"; }

int64_t TensorDesc::numel() const {
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    return n;
}

int64_t TensorDesc::stored_elements() const {
    if (rank() == 4 && layout == Layout::NCHW8c) {
        int64_t cb = (c() + kBlock - 1) / kBlock * kBlock;
        return n() * cb * h() * w();
    }
    return numel();
}

size_t TensorDesc::bytes() const {
    return static_cast<size_t>(stored_elements()) * (precision == Precision::INT8 ? 1 : 4);
}

bool TensorDesc::same_form(const TensorDesc& o) const {
    if (precision != o.precision) return false;
    if (precision == Precision::INT8 && (quant.scale != o.quant.scale || quant.zero_point != o.quant.zero_point)) return false;
    // Layout matters only for rank-4 tensors whose layouts really differ in memory.
    if (rank() != 4 || layout == o.layout) return true;
    bool spatial_one = h() == 1 && w() == 1;
    bool plain_pair = (layout == Layout::NCHW && o.layout == Layout::NHWC) || (layout == Layout::NHWC && o.layout == Layout::NCHW);
    return spatial_one && plain_pair;
}

std::string TensorDesc::str() const {
    std::ostringstream s;
    s << '[';
    for (size_t i = 0; i < dims.size(); ++i) s << (i ? "x" : "") << dims[i];
    s << ' ' << to_string(layout) << ' ' << to_string(precision) << ']';
    return s.str();
}

void Buffer::Free::operator()(void* p) const { std::free(p); }

Buffer::Buffer(size_t bytes) : size_(bytes) {
    size_t rounded = (bytes + 63) / 64 * 64;
    if (rounded == 0) rounded = 64;
    void* p = std::aligned_alloc(64, rounded);
    if (!p) throw std::bad_alloc();
    std::memset(p, 0, rounded);
    data_.reset(p);
}

}  // namespace dsx
