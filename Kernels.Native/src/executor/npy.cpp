#include "executor/npy.h"

#include <cctype>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace dsx {

NpyArray read_npy(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error(path + ": cannot open");
    char magic[8];
    if (!f.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) throw std::runtime_error(path + ": not a NumPy .npy file");
    uint32_t header_len = 0;
    unsigned char len_bytes[4] = {0, 0, 0, 0};
    const int len_size = magic[6] == 1 ? 2 : 4;
    if (!f.read(reinterpret_cast<char*>(len_bytes), len_size)) throw std::runtime_error(path + ": truncated header");
    for (int i = len_size - 1; i >= 0; --i) header_len = header_len << 8 | len_bytes[i];
    std::string header(header_len, '\0');
    if (!f.read(header.data(), header_len)) throw std::runtime_error(path + ": truncated header");
    // The header is a Python dict literal; we need three of its fields.
    auto field = [&](const std::string& key) {
        size_t at = header.find("'" + key + "'");
        if (at == std::string::npos) throw std::runtime_error(path + ": header has no '" + key + "'");
        size_t colon = header.find(':', at);
        return header.substr(colon + 1);
    };
    std::string descr = field("descr");
    if (descr.find("'<f4'") == std::string::npos && descr.find("'=f4'") == std::string::npos)
        throw std::runtime_error(path + ": dtype must be float32 ('<f4'), header says " + header);
    if (field("fortran_order").find("True") < field("fortran_order").find(','))
        throw std::runtime_error(path + ": must be C order, not Fortran order");
    std::string dims = field("shape");
    dims = dims.substr(dims.find('(') + 1, dims.find(')') - dims.find('(') - 1);
    NpyArray a;
    int64_t count = 1;
    for (size_t i = 0; i < dims.size();) {
        if (!std::isdigit(static_cast<unsigned char>(dims[i]))) {
            ++i;
            continue;
        }
        size_t used = 0;
        a.shape.push_back(std::stoll(dims.substr(i), &used));
        count *= a.shape.back();
        i += used;
    }
    a.data.resize(static_cast<size_t>(count));
    if (!f.read(reinterpret_cast<char*>(a.data.data()), static_cast<std::streamsize>(a.data.size() * sizeof(float))))
        throw std::runtime_error(path + ": holds fewer values than its shape says");
    return a;
}

void write_npy(const std::string& path, const NpyArray& a) {
    std::string shape;
    for (int64_t d : a.shape) shape += std::to_string(d) + ", ";
    if (a.shape.size() > 1) shape.erase(shape.size() - 1);
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }";
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::ofstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error(path + ": cannot write");
    const uint16_t len = static_cast<uint16_t>(header.size());
    f.write("\x93NUMPY\x01\x00", 8);
    f.put(static_cast<char>(len & 0xff));
    f.put(static_cast<char>(len >> 8));
    f << header;
    f.write(reinterpret_cast<const char*>(a.data.data()), static_cast<std::streamsize>(a.data.size() * sizeof(float)));
    if (!f) throw std::runtime_error(path + ": write failed");
}

}  // namespace dsx
