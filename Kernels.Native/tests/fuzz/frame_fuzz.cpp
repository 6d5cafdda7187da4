// libFuzzer target: arbitrary bytes as the stream of frames a peer sends to `dsx-executor`, read by FrameIo and
// dispatched by Server to a fresh Session, exactly as on --stdio or one --listen connection.
// Byte 0 picks the connection kind (stdio: no token; tcp: token "t"); the rest is the stream.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <google/protobuf/stubs/logging.h>

#include "executor/frame_io.h"
#include "executor/server.h"

namespace {

// The stream is read from a memory file, so any size works without a reader thread; replies go to /dev/null.
int stream_fd(const uint8_t* data, size_t size) {
    int fd = memfd_create("frames", 0);
    if (fd < 0) std::abort();
    for (size_t done = 0; done < size;) {
        ssize_t put = write(fd, data + done, size - done);
        if (put <= 0) std::abort();
        done += static_cast<size_t>(put);
    }
    if (lseek(fd, 0, SEEK_SET) != 0) std::abort();
    return fd;
}

}  // namespace

// protobuf logs every invalid UTF-8 string it parses; mutated frames are full of them.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
    google::protobuf::SetLogHandler(nullptr);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    static const int sink = open("/dev/null", O_WRONLY);
    const bool tcp = data[0] & 1;
    int in = stream_fd(data + 1, size - 1);
    {
        dsx::Session::Options options;
        // Small models and few runs keep every input to milliseconds (a slow one is reported as a hang), and far
        // under libFuzzer's -malloc_limit_mb: a model whose shapes imply more must be refused before allocating.
        options.max_model_bytes = 4 << 20;
        options.max_runs = 20;
        dsx::Session session(options);
        dsx::Server server(session, tcp ? "t" : "");
        // A small frame limit, so the over-limit path is reached by short inputs too.
        dsx::FrameIo io(in, sink, 1 << 16);
        server.serve(io);
    }
    close(in);
    return 0;
}
