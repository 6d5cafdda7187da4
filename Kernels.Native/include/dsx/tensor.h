#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dsx {

// Physical order of a 4-D activation. Rank-2 tensors are plain row-major whatever the layout says.
enum class Layout : uint8_t { NCHW = 0, NHWC = 1, NCHW8c = 2 };
enum class Precision : uint8_t { FP32 = 0, INT8 = 1 };

const char* to_string(Layout layout);
const char* to_string(Precision precision);

constexpr int kBlock = 8;  // channel block of Layout::NCHW8c

// Affine int8 quantisation: real = scale * (q - zero_point).
struct Quant {
    float scale = 1.0f;
    int32_t zero_point = 0;
};

struct TensorDesc {
    std::vector<int64_t> dims;  // logical shape; NCHW order for rank 4
    Layout layout = Layout::NCHW;
    Precision precision = Precision::FP32;
    Quant quant;

    int rank() const { return static_cast<int>(dims.size()); }
    int64_t numel() const;
    // Logical N, C, H, W of a rank-2 or rank-4 tensor (rank 2 reads as N x C x 1 x 1).
    int64_t n() const { return dims.empty() ? 1 : dims[0]; }
    int64_t c() const { return dims.size() > 1 ? dims[1] : 1; }
    int64_t h() const { return dims.size() > 2 ? dims[2] : 1; }
    int64_t w() const { return dims.size() > 3 ? dims[3] : 1; }
    // Elements actually stored (NCHW8c pads channels to a multiple of kBlock).
    int64_t stored_elements() const;
    size_t bytes() const;
    // Whether two descriptions need a conversion between them.
    bool same_form(const TensorDesc& other) const;
    std::string str() const;
};

// 64-byte aligned, zero-initialised storage.
class Buffer {
public:
    Buffer() = default;
    explicit Buffer(size_t bytes);
    void* data() { return data_.get(); }
    const void* data() const { return data_.get(); }
    size_t size() const { return size_; }
    template <typename T> T* as() { return static_cast<T*>(data()); }
    template <typename T> const T* as() const { return static_cast<const T*>(data()); }

private:
    struct Free {
        void operator()(void* p) const;
    };
    std::unique_ptr<void, Free> data_;
    size_t size_ = 0;
};

}  // namespace dsx
