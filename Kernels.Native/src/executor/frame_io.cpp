#include "executor/frame_io.h"

#include <unistd.h>

#include <cerrno>

namespace dsx {

bool FrameIo::read_exact(void* dst, size_t n) {
    auto* p = static_cast<char*>(dst);
    while (n > 0) {
        ssize_t got = ::read(in_, p, n);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return false;
        p += got;
        n -= static_cast<size_t>(got);
    }
    return true;
}

bool FrameIo::skip(uint64_t n) {
    char sink[1 << 16];
    while (n > 0) {
        size_t chunk = n < sizeof(sink) ? static_cast<size_t>(n) : sizeof(sink);
        if (!read_exact(sink, chunk)) return false;
        n -= chunk;
    }
    return true;
}

FrameStatus FrameIo::read(std::string& payload, uint64_t& payload_size) {
    unsigned char header[4];
    ssize_t got;
    do {
        got = ::read(in_, header, 1);
    } while (got < 0 && errno == EINTR);
    if (got == 0) return FrameStatus::Eof;
    if (got < 0 || !read_exact(header + 1, 3)) return FrameStatus::IoError;
    payload_size = uint64_t(header[0]) | uint64_t(header[1]) << 8 | uint64_t(header[2]) << 16 | uint64_t(header[3]) << 24;
    if (payload_size > max_) return skip(payload_size) ? FrameStatus::TooLarge : FrameStatus::IoError;
    payload.resize(static_cast<size_t>(payload_size));
    return read_exact(payload.data(), payload.size()) ? FrameStatus::Ok : FrameStatus::IoError;
}

bool FrameIo::write(const std::string& payload) {
    const uint32_t n = static_cast<uint32_t>(payload.size());
    unsigned char header[4] = {static_cast<unsigned char>(n), static_cast<unsigned char>(n >> 8), static_cast<unsigned char>(n >> 16),
                               static_cast<unsigned char>(n >> 24)};
    std::string frame(reinterpret_cast<char*>(header), 4);
    frame += payload;
    const char* p = frame.data();
    size_t left = frame.size();
    while (left > 0) {
        ssize_t put = ::write(out_, p, left);
        if (put < 0 && errno == EINTR) continue;
        if (put <= 0) return false;
        p += put;
        left -= static_cast<size_t>(put);
    }
    return true;
}

}  // namespace dsx
