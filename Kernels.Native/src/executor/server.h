// Serves the wire protocol on one connection: handshake first, then one Response per Request.
#pragma once

#include <string>

#include "executor/frame_io.h"
#include "graph/session.h"

namespace dsx {

class Server {
public:
    // `token` empty: no token is asked for (stdio, where the parent process owns the pipe).
    Server(Session& session, std::string token) : session_(session), token_(std::move(token)) {}

    enum class End { PeerClosed, Shutdown, Refused };
    End serve(FrameIo& io);

private:
    wire::Response handle(const wire::Request& request, bool& handshaken, End& end);

    Session& session_;
    std::string token_;
};

// Constant-time comparison, so a wrong token's timing says nothing about the right one.
bool tokens_equal(const std::string& a, const std::string& b);

}  // namespace dsx
