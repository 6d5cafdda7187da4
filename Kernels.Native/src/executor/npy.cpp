#include "executor/npy.h"

#include <cstring>
#include <fstream>
#include <regex>
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
    std::smatch m;
    if (!std::regex_search(header, m, std::regex("'descr':\\s*'([^']*)'")) || (m[1] != "<f4" && m[1] != "=f4"))
        throw std::runtime_error(path + ": dtype must be float32 ('<f4'), header says " + header);
    if (std::regex_search(header, std::regex("'fortran_order':\\s*True"))) throw std::runtime_error(path + ": must be C order, not Fortran order");
    if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)"))) throw std::runtime_error(path + ": header has no shape");
    NpyArray a;
    std::string dims = m[1];
    std::regex number("\\d+");
    int64_t count = 1;
    for (auto it = std::sregex_iterator(dims.begin(), dims.end(), number); it != std::sregex_iterator(); ++it) {
        a.shape.push_back(std::stoll(it->str()));
        count *= a.shape.back();
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
