// NumPy .npy files of float32, C order (format versions 1.0 to 3.0 read, 1.0 written).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dsx {

struct NpyArray {
    std::vector<int64_t> shape;
    std::vector<float> data;
};

// Throws std::runtime_error naming the file and what is wrong with it.
NpyArray read_npy(const std::string& path);
void write_npy(const std::string& path, const NpyArray& array);

}  // namespace dsx
