// Every FP32 Conv and FullyConnected primitive, in every layout it offers, against `ref` on at least
// 50 random shapes it admits (odd sizes, padding, stride 2, groups, channels off the vector width).
#include <gtest/gtest.h>

#include "kernel_testing.h"

namespace dsx::testing {
namespace {

struct Case {
    std::string primitive;
    Op op;
    Layout layout;
};

std::vector<Case> fp32_cases() {
    std::vector<Case> cases;
    for (const auto& impl : Registry::instance().all()) {
        if (impl.primitive == "ref" || (impl.op != Op::Conv && impl.op != Op::FullyConnected)) continue;
        bool fp32 = false;
        for (Precision p : impl.precisions) fp32 |= p == Precision::FP32;
        if (!fp32) continue;
        for (Layout l : impl.layouts) cases.push_back({impl.primitive, impl.op, l});
    }
    return cases;
}

class Fp32Conformance : public ::testing::TestWithParam<Case> {};

TEST_P(Fp32Conformance, MatchesRefOnRandomShapes) {
    const Case& c = GetParam();
    constexpr int kWanted = 50;
    std::mt19937 rng(1234);
    int admitted = 0;
    std::string last_reason;
    for (int attempt = 0; attempt < 1500 && admitted < kWanted; ++attempt) {
        Problem p = random_problem(rng, c.op, attempt);
        int threads = 1 + attempt % 2;
        std::string why;
        std::vector<float> got = run_primitive(c.primitive, p, c.layout, Precision::FP32, threads, &why);
        if (got.empty()) {
            last_reason = why;
            continue;
        }
        ++admitted;
        std::vector<float> want = run_ref(p);
        double err = relative_l2(got, want);
        ASSERT_LT(err, 1e-4) << c.primitive << " " << to_string(c.layout) << " threads=" << threads << " on " << p.describe();
    }
    EXPECT_GE(admitted, kWanted) << c.primitive << " admitted too few random shapes; last refusal: " << last_reason;
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
    return info.param.primitive + "_" + to_string(info.param.op) + "_" + to_string(info.param.layout);
}

INSTANTIATE_TEST_SUITE_P(Primitives, Fp32Conformance, ::testing::ValuesIn(fp32_cases()), case_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Fp32Conformance);

}  // namespace
}  // namespace dsx::testing
