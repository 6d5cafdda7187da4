#pragma once

#include <stdexcept>
#include <string>

namespace dsx {

// Mirrors dsx.wire.ErrorCode: every failure the executor can report is typed.
enum class ErrorCode {
    Unspecified = 0,
    MalformedFrame = 1,
    VersionMismatch = 2,
    Unauthorized = 3,
    HandshakeRequired = 4,
    BadModel = 5,
    UnsupportedOp = 6,
    UnsupportedChoice = 7,
    ShapeMismatch = 8,
    ModelNotLoaded = 9,
    BadPlan = 10,
    OutOfMemory = 11,
    FrameTooLarge = 12,
    Internal = 13,
};

class Error : public std::runtime_error {
public:
    Error(ErrorCode code, const std::string& message, std::string layer = {}, std::string primitive = {})
        : std::runtime_error(message), code_(code), layer_(std::move(layer)), primitive_(std::move(primitive)) {}

    ErrorCode code() const { return code_; }
    const std::string& layer() const { return layer_; }
    const std::string& primitive() const { return primitive_; }

private:
    ErrorCode code_;
    std::string layer_;
    std::string primitive_;
};

}  // namespace dsx
