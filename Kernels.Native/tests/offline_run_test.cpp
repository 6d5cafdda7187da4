// `dsx-executor run`: the offline deployment mode, end to end through the real binary.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "executor/npy.h"
#include "graph_builder.h"

namespace dsx::testing {
namespace {

#if defined(DSX_EXECUTOR_PATH) && !defined(__aarch64__)  // under qemu-user the test cannot exec another guest binary

struct Result {
    int status;
    std::string output;
};

Result run_with_env(const std::string& env, const std::string& args) {
    std::string cmd = env + " " + std::string(DSX_EXECUTOR_PATH) + " " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    Result r{-1, {}};
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof(buf), p)) r.output.append(buf, n);
    r.status = WEXITSTATUS(pclose(p));
    return r;
}

Result run(const std::string& args) { return run_with_env("", args); }

class OfflineRun : public ::testing::Test {
protected:
    void SetUp() override {
        // ctest runs each test as its own process, in parallel: one folder per test, or one test's SetUp rewrites
        // the files another is reading.
        dir = ::testing::TempDir() + "/offline_run_" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
        std::filesystem::create_directories(dir);
        std::ofstream(dir + "/m.dsxm", std::ios::binary) << small_network().SerializeAsString();
        std::ofstream(dir + "/p.json") << R"({"layers": {"n1": {"primitive": "ref", "layout": "NCHW"}}, "default_threads": 1})";
        write_npy(dir + "/x.npy", NpyArray{{1, 3, 20, 20}, std::vector<float>(1200, 0.25f)});
    }
    std::string dir;
};

TEST_F(OfflineRun, RunsAPlanOnAnInputAndWritesTheOutput) {
    Result r = run("run --model " + dir + "/m.dsxm --plan " + dir + "/p.json --input " + dir + "/x.npy --output " + dir + "/y.npy --repeats 2");
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("end-to-end"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("n1"), std::string::npos);
    NpyArray y = read_npy(dir + "/y.npy");
    EXPECT_EQ(y.shape, (std::vector<int64_t>{1, 10}));
}

TEST_F(OfflineRun, BadFilesAreNamedWithoutACrash) {
    std::ofstream(dir + "/junk.dsxm") << "not a graph at all \x01\x02";
    Result r = run("run --model " + dir + "/junk.dsxm --plan " + dir + "/p.json");
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("junk.dsxm"), std::string::npos) << r.output;

    write_npy(dir + "/wrong.npy", NpyArray{{1, 3, 8, 8}, std::vector<float>(192, 0.0f)});
    r = run("run --model " + dir + "/m.dsxm --plan " + dir + "/p.json --input " + dir + "/wrong.npy");
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("input"), std::string::npos) << r.output;
}

TEST_F(OfflineRun, ACrashNamesTheLayerAndPrimitiveThatWereRunning) {
    std::ofstream(dir + "/crash.json") << R"({"layers": {"n3": {"primitive": "fault_crash"}}})";
    Result r = run_with_env("DSX_EXECUTOR_FAULTS=1", "run --model " + dir + "/m.dsxm --plan " + dir + "/crash.json --repeats 1");
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.output.find("crashed (signal 11) in layer 'n3' running primitive 'fault_crash'"), std::string::npos) << r.output;
    // Without the switch the fault primitive does not exist.
    r = run("run --model " + dir + "/m.dsxm --plan " + dir + "/crash.json --repeats 1");
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("no primitive 'fault_crash'"), std::string::npos) << r.output;
}

TEST_F(OfflineRun, AHangingPrimitiveRunsUntilKilledAndFaultsCanBeChosenOneByOne) {
    std::ofstream(dir + "/hang.json") << R"({"layers": {"n3": {"primitive": "fault_hang"}}})";
    // timeout(1) exits 124 when it had to stop the command: the run was still hanging after 2 s.
    Result r = run_with_env("DSX_EXECUTOR_FAULTS=fault_hang timeout 2", "run --model " + dir + "/m.dsxm --plan " + dir + "/hang.json --repeats 1");
    EXPECT_EQ(r.status, 124) << r.output;
    // Naming one fault registers that one only.
    std::ofstream(dir + "/crash.json") << R"({"layers": {"n3": {"primitive": "fault_crash"}}})";
    r = run_with_env("DSX_EXECUTOR_FAULTS=fault_hang", "run --model " + dir + "/m.dsxm --plan " + dir + "/crash.json --repeats 1");
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("no primitive 'fault_crash'"), std::string::npos) << r.output;
}

TEST_F(OfflineRun, InjectedNoiseSlowsTheSecondRunByTheWholeFactor) {
    // The second timed run is slowed 1 + 4 = 5 times: max is well above min whatever the machine's own jitter.
    Result r = run_with_env("DSX_EXECUTOR_NOISE=4", "run --model " + dir + "/m.dsxm --plan " + dir + "/p.json --repeats 2 --warmup 1");
    ASSERT_EQ(r.status, 0) << r.output;
    double min = 0, median = 0, max = 0;
    auto at = r.output.find("end-to-end:");
    ASSERT_NE(at, std::string::npos) << r.output;
    ASSERT_EQ(std::sscanf(r.output.c_str() + at, "end-to-end: min %lf ms, median %lf ms, max %lf ms", &min, &median, &max), 3) << r.output;
    EXPECT_GT(max, 2 * min) << r.output;

    r = run_with_env("DSX_EXECUTOR_NOISE=lots", "run --model " + dir + "/m.dsxm --plan " + dir + "/p.json --repeats 1");
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("ignoring DSX_EXECUTOR_NOISE='lots'"), std::string::npos) << r.output;
}

TEST_F(OfflineRun, UsageErrorsExitTwo) {
    EXPECT_EQ(run("--no-such-flag").status, 2);
    EXPECT_EQ(run("run --plan x.json").status, 2);
    EXPECT_EQ(run("--listen 127.0.0.1:0").status, 2);  // no token: refused, never an open port
    EXPECT_EQ(run("--help").status, 0);
}

// The executor re-runs itself with OpenMP's passive wait policy (main.cpp says why): read it back from the serving
// process's environment while it waits on a FIFO for its first request.
TEST(ExecutorProcess, RunsWithAPassiveOpenMpWaitPolicy) {
    Result r = run_with_env("env -u OMP_WAIT_POLICY sh -c 'f=$(mktemp -u); mkfifo $f; \"$0\" --stdio <$f >/dev/null 2>&1 & pid=$!; exec 3>$f; "
                            "for i in $(seq 100); do tr \"\\000\" \"\\n\" </proc/$pid/environ | grep -x \"OMP_WAIT_POLICY=.*\" && break; "
                            "sleep 0.1; done; kill $pid; exec 3>&-; rm $f'", "");
    EXPECT_NE(r.output.find("OMP_WAIT_POLICY=PASSIVE"), std::string::npos) << r.output;
}

#endif

}  // namespace
}  // namespace dsx::testing
