// Length-prefixed frames over a file descriptor: 4-byte little-endian length, then the payload.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace dsx {

enum class FrameStatus { Ok, Eof, TooLarge, IoError };

class FrameIo {
public:
    FrameIo(int in_fd, int out_fd, size_t max_frame_bytes) : in_(in_fd), out_(out_fd), max_(max_frame_bytes) {}

    // Reads one frame into `payload`. A frame over the limit is skipped (read and dropped without
    // buffering) so the stream stays in step; its announced size is left in `payload_size`.
    FrameStatus read(std::string& payload, uint64_t& payload_size);
    bool write(const std::string& payload);

private:
    bool read_exact(void* dst, size_t n);
    bool skip(uint64_t n);

    int in_, out_;
    size_t max_;
};

}  // namespace dsx
