// Shape helpers of the reference copy/shape ops (Odometer and strides are shared with Add/Mul).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dsx/kernel.h"

namespace dsx {

// The multi-index of linear element `at` of `dims`, advanced one element at a time.
class Odometer {
public:
    Odometer(const std::vector<int64_t>& dims, int64_t at) : dims_(dims), idx_(dims.size()) {
        for (size_t k = dims.size(); k-- > 0;) {
            idx_[k] = at % dims[k];
            at /= dims[k];
        }
    }
    const std::vector<int64_t>& index() const { return idx_; }
    void next() {
        for (size_t k = dims_.size(); k-- > 0 && ++idx_[k] == dims_[k];) idx_[k] = 0;
    }

private:
    const std::vector<int64_t>& dims_;
    std::vector<int64_t> idx_;
};

// Row-major element strides of `dims`.
inline std::vector<int64_t> row_major_strides(const std::vector<int64_t>& dims) {
    std::vector<int64_t> strides(dims.size());
    int64_t s = 1;
    for (size_t k = dims.size(); k-- > 0;) {
        strides[k] = s;
        s *= dims[k];
    }
    return strides;
}

// A node's axis with negative values counted from the end (ONNX); -1 when out of range.
inline int normalized_axis(int axis, int rank) {
    if (axis < 0) axis += rank;
    return axis >= 0 && axis < rank ? axis : -1;
}

namespace shape {

// Registration of the reference kernel class K for `op` in `layouts`, FP32.
template <class K>
PrimitiveImpl make_ref(Op op, std::vector<Layout> layouts, std::string (*problem)(const NodeSpec&)) {
    return {
        .primitive = "ref",
        .library = "",
        .op = op,
        .layouts = std::move(layouts),
        .precisions = {Precision::FP32},
        .threaded = true,
        .admits = problem,
        .create = create_kernel<K>,
    };
}

}  // namespace shape
}  // namespace dsx
