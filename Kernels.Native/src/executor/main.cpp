// dsx-executor: runs one network with a per-layer choice of primitive, layout, precision and threads,
// and measures it. Serves the wire protocol (stdio or TCP) for BoardHost, or runs offline.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <google/protobuf/util/json_util.h>

#include "dsx/error.h"
#include "executor/npy.h"
#include "executor/server.h"

namespace dsx {
namespace {

constexpr const char* kUsage = R"(dsx-executor: runs a network with a chosen primitive, layout, precision and thread count per layer.

Usage:
  dsx-executor --stdio [options]
      Serve the Dsx wire protocol on stdin/stdout (how BoardHost starts a local, qemu or ssh board).
  dsx-executor --listen [HOST:]PORT --token TOKEN [options]
      Serve it over TCP, one client at a time. HOST defaults to 127.0.0.1 (loopback); the token may also
      come from the environment variable DSX_EXECUTOR_TOKEN and is required.
  dsx-executor run --model MODEL.dsxm --plan PLAN.json [--input x.npy] [--output y.npy]
                   [--repeats N] [--warmup N] [--seed N]
      Offline: run a model under a plan and print per-layer and end-to-end times and memory.
      MODEL.dsxm is a serialized dsx.wire.Graph (protocol/dsx_executor.proto; `dsx models export --dsxm`
      writes one); PLAN.json is the dsx.wire.Plan JSON mapping, e.g.
        {"layers": {"conv1": {"primitive": "gemm_neon", "layout": "NCHW", "precision": "FP32", "threads": 2}}}
      Layers the plan does not name use our NEON kernels in their input's layout. Inputs are NumPy .npy
      float32 C-order files of the model's input shape (seeded random data when omitted).
  dsx-executor hello
      Print this executor's capabilities (ISA, cores, libraries, primitives) as JSON.

Options:
  --emulated            report timings as emulated (set automatically under qemu)
  --max-frame-mb N      largest request frame accepted, in MiB (default 1024)
  --max-model-mb N      largest model loaded, weights plus every activation as float32, in MiB (default 4096)
  --help, --version
)";

struct Args {
    std::map<std::string, std::string> values;
    std::vector<std::string> flags;
    bool has(const std::string& f) const { return std::find(flags.begin(), flags.end(), f) != flags.end() || values.count(f); }
    std::string get(const std::string& k, const std::string& fallback = {}) const {
        auto it = values.find(k);
        return it == values.end() ? fallback : it->second;
    }
};

[[noreturn]] void usage_error(const std::string& message) {
    std::cerr << "dsx-executor: " << message << "\nRun 'dsx-executor --help' for usage.\n";
    std::exit(2);
}

Args parse(int argc, char** argv, int first) {
    static const std::vector<std::string> kFlags = {"--stdio", "--emulated", "--help", "--version"};
    static const std::vector<std::string> kValues = {"--listen", "--token",  "--max-frame-mb", "--max-model-mb", "--model", "--plan",
                                                     "--input",  "--output", "--repeats",      "--warmup", "--seed"};
    Args a;
    for (int i = first; i < argc; ++i) {
        std::string s = argv[i];
        if (std::find(kFlags.begin(), kFlags.end(), s) != kFlags.end()) {
            a.flags.push_back(s);
        } else if (std::find(kValues.begin(), kValues.end(), s) != kValues.end()) {
            if (i + 1 >= argc) usage_error(s + " needs a value");
            a.values[s] = argv[++i];
        } else {
            usage_error("unknown argument '" + s + "'");
        }
    }
    return a;
}

int to_int(const Args& a, const std::string& key, int fallback, int lo, int hi) {
    std::string v = a.get(key);
    if (v.empty()) return fallback;
    char* end = nullptr;
    long n = std::strtol(v.c_str(), &end, 10);
    if (*end != '\0' || n < lo || n > hi) usage_error(key + " must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
    return static_cast<int>(n);
}

bool running_under_emulation() {
#if defined(__aarch64__)
    // qemu-user passes the host's /proc/cpuinfo through: an x86 vendor there means we are emulated.
    std::ifstream f("/proc/cpuinfo");
    std::stringstream s;
    s << f.rdbuf();
    return s.str().find("GenuineIntel") != std::string::npos || s.str().find("AuthenticAMD") != std::string::npos;
#else
    return false;
#endif
}

// oneDNN's OpenMP threads spin after each parallel region (libgomp's default wait policy), and a plan alternates
// libraries layer by layer, each with worker threads of its own: a spinning OpenMP thread holds the core the next
// layer's worker needs, and two-thread plans ran up to 100x slower (12 ms for a 0.08 ms SqueezeNet layer). libgomp
// reads its policy once, when it is loaded, so the executor runs itself again with a passive policy unless the user
// chose one. Not under qemu, whose binfmt re-launch would lose its options; if the exec fails we run on as we are.
void prefer_passive_openmp(char** argv) {
    if (std::getenv("OMP_WAIT_POLICY") != nullptr || running_under_emulation()) return;
    setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    execv("/proc/self/exe", argv);
}

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error(path + ": cannot open");
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

// Says which layer and primitive were running when a fatal signal hit, then dies of that signal, so
// BoardHost can report the failing choice (and the search can avoid it). Async-signal-safe: write(2) only.
void on_fatal_signal(int sig) {
    auto put = [](const char* s) {
        if (s) (void)!write(STDERR_FILENO, s, std::strlen(s));
    };
    char number[4] = {static_cast<char>('0' + sig / 10 % 10), static_cast<char>('0' + sig % 10), 0, 0};
    put("dsx-executor: crashed (signal ");
    put(sig >= 10 ? number : number + 1);
    if (RunningLayer::layer) {
        put(") in layer '");
        put(RunningLayer::layer);
        put("' running primitive '");
        put(RunningLayer::primitive);
        put("'\n");
    } else {
        put(") outside any layer\n");
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void install_crash_report() {
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) signal(sig, on_fatal_signal);
}

int serve_stdio(Session& session, size_t max_frame) {
    // The protocol owns the real stdout; anything a library prints goes to stderr instead.
    int proto_out = dup(STDOUT_FILENO);
    dup2(STDERR_FILENO, STDOUT_FILENO);
    FrameIo io(STDIN_FILENO, proto_out, max_frame);
    Server server(session, "");
    server.serve(io);
    return 0;
}

int serve_tcp(Session& session, const std::string& where, const std::string& token, size_t max_frame) {
    if (token.empty()) usage_error("--listen needs --token (or DSX_EXECUTOR_TOKEN): an open executor port would run anyone's code");
    std::string host = "127.0.0.1", port = where;
    if (auto colon = where.rfind(':'); colon != std::string::npos) {
        host = where.substr(0, colon);
        port = where.substr(colon + 1);
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(std::atoi(port.c_str())));
    if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) usage_error("--listen: '" + host + "' is not an IPv4 address");
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 4) != 0) {
        std::cerr << "dsx-executor: cannot listen on " << host << ":" << port << ": " << std::strerror(errno) << "\n";
        return 1;
    }
    socklen_t len = sizeof(addr);
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    std::cerr << "dsx-executor: listening on " << host << ":" << ntohs(addr.sin_port) << std::endl;
    Server server(session, token);
    for (;;) {
        int client = accept(fd, nullptr, nullptr);
        if (client < 0) continue;
        FrameIo io(client, client, max_frame);
        Server::End end = server.serve(io);
        close(client);
        if (end == Server::End::Shutdown) break;
    }
    close(fd);
    return 0;
}

int run_offline(Session& session, const Args& a) {
    if (a.get("--model").empty() || a.get("--plan").empty()) usage_error("run needs --model and --plan");
    wire::LoadModel load;
    if (!load.mutable_graph()->ParseFromString(read_file(a.get("--model"))))
        throw std::runtime_error(a.get("--model") + ": not a serialized dsx.wire.Graph");
    load.set_hash("offline");
    session.load(load);
    wire::Measure m;
    m.set_model_hash("offline");
    auto status = google::protobuf::util::JsonStringToMessage(read_file(a.get("--plan")), m.mutable_plan());
    if (!status.ok()) throw std::runtime_error(a.get("--plan") + ": not a plan: " + status.ToString());
    m.set_repeats(to_int(a, "--repeats", 10, 1, 100000));
    m.set_warmup(to_int(a, "--warmup", 2, 0, 100000));
    m.set_seed(static_cast<uint64_t>(to_int(a, "--seed", 0, 0, 1 << 30)));
    m.set_return_outputs(!a.get("--output").empty());
    const Model& model = *session.model("offline").model;
    if (!a.get("--input").empty()) {
        if (model.inputs().size() != 1) throw std::runtime_error("--input gives one array but the model has " + std::to_string(model.inputs().size()) + " inputs");
        NpyArray x = read_npy(a.get("--input"));
        wire::Tensor* t = m.add_inputs();
        t->set_name(model.values()[model.inputs()[0]].name);
        for (int64_t d : x.shape) t->add_dims(d);
        t->set_float_data(x.data.data(), x.data.size() * sizeof(float));
    }
    wire::MeasureReply r = session.measure(m);
    std::printf("%-28s %-16s %-7s %-5s %3s %10s %10s %7s\n", "layer", "primitive", "layout", "prec", "thr", "median ms", "conv ms", "share");
    const double total = r.end_to_end().median_ms();
    for (const auto& l : r.layers()) {
        std::printf("%-28s %-16s %-7s %-5s %3d %10.3f %10.3f %6.1f%%\n", l.name().c_str(), l.choice().primitive().c_str(),
                    wire::Layout_Name(l.choice().layout()).c_str(), wire::Precision_Name(l.choice().precision()).c_str(), l.choice().threads(),
                    l.total().median_ms(), l.conversion().median_ms(), total > 0 ? 100.0 * l.total().median_ms() / total : 0.0);
    }
    const auto& mem = r.memory();
    std::printf("end-to-end: min %.3f ms, median %.3f ms, max %.3f ms over %d runs\n", r.end_to_end().min_ms(), r.end_to_end().median_ms(),
                r.end_to_end().max_ms(), m.repeats());
    std::printf("memory: weights %.2f MiB, arena %.2f MiB, workspace %.2f MiB, peak %.2f MiB, process peak RSS %.2f MiB\n", mem.weights_bytes() / 1048576.0,
                mem.arena_bytes() / 1048576.0, mem.workspace_bytes() / 1048576.0, mem.peak_bytes() / 1048576.0, mem.peak_rss_bytes() / 1048576.0);
    if (!a.get("--output").empty()) {
        if (r.outputs_size() != 1) throw std::runtime_error("--output writes one array but the model has " + std::to_string(r.outputs_size()) + " outputs");
        NpyArray y;
        y.shape.assign(r.outputs(0).dims().begin(), r.outputs(0).dims().end());
        y.data.resize(r.outputs(0).float_data().size() / sizeof(float));
        std::memcpy(y.data.data(), r.outputs(0).float_data().data(), r.outputs(0).float_data().size());
        write_npy(a.get("--output"), y);
    }
    return 0;
}

int main_impl(int argc, char** argv) {
    prefer_passive_openmp(argv);
    signal(SIGPIPE, SIG_IGN);
    install_crash_report();
    const bool offline = argc > 1 && std::string(argv[1]) == "run";
    const bool hello = argc > 1 && std::string(argv[1]) == "hello";
    Args a = parse(argc, argv, offline || hello ? 2 : 1);
    if (a.has("--help") || argc == 1) {
        std::cout << kUsage;
        return argc == 1 ? 2 : 0;
    }
    if (a.has("--version")) {
        std::cout << "dsx-executor " << DSX_EXECUTOR_VERSION << "\n";
        return 0;
    }
    Session::Options options;
    options.emulated = a.has("--emulated") || running_under_emulation();
    options.max_model_bytes = static_cast<size_t>(to_int(a, "--max-model-mb", 4096, 1, 1 << 20)) << 20;
    Session session(options);
    const size_t max_frame = static_cast<size_t>(to_int(a, "--max-frame-mb", 1024, 1, 4095)) << 20;
    if (offline) return run_offline(session, a);
    if (hello) {
        std::string json;
        google::protobuf::util::JsonPrintOptions print;
        print.add_whitespace = true;
        (void)google::protobuf::util::MessageToJsonString(session.hello(), &json, print);
        std::cout << json << "\n";
        return 0;
    }
    if (a.has("--stdio")) return serve_stdio(session, max_frame);
    if (a.has("--listen")) {
        const char* env = std::getenv("DSX_EXECUTOR_TOKEN");
        return serve_tcp(session, a.get("--listen"), a.get("--token", env ? env : ""), max_frame);
    }
    usage_error("say --stdio, --listen, run or hello");
}

}  // namespace
}  // namespace dsx

int main(int argc, char** argv) {
    try {
        return dsx::main_impl(argc, argv);
    } catch (const dsx::Error& e) {
        std::cerr << "dsx-executor: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "dsx-executor: " << e.what() << "\n";
        return 1;
    }
}
