// The fast `convert` against the per-element `convert_ref`, byte for byte, over every layout and precision
// pair on random shapes (C not a multiple of 8, N > 1, odd H/W, non-zero zero points, rank 2), 1 and 2 threads.
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <random>

#include "dsx/convert.h"

namespace dsx {
namespace {

TensorDesc desc(std::vector<int64_t> dims, Layout layout, Precision precision, Quant quant) {
    TensorDesc d;
    d.dims = std::move(dims);
    d.layout = layout;
    d.precision = precision;
    d.quant = quant;
    return d;
}

// Source bytes for `d`: FP32 values spread over and beyond the quantised range (so clamping is exercised,
// plus exact ties x.5 * scale), int8 values over the whole range. NCHW8c padding stays zero as producers write it.
std::vector<uint8_t> random_source(const TensorDesc& d, std::mt19937& rng) {
    std::vector<uint8_t> bytes(d.bytes(), 0);
    const int64_t stored = d.stored_elements();
    std::uniform_real_distribution<float> real(-3.0f, 3.0f);
    std::uniform_int_distribution<int> byte(-128, 127);
    TensorDesc logical = d;
    logical.layout = Layout::NCHW;
    for (int64_t i = 0; i < stored; ++i) {
        if (d.precision == Precision::FP32) {
            float v = (i % 7 == 0) ? (static_cast<float>(byte(rng)) + 0.5f) * 0.05f : real(rng);
            std::memcpy(bytes.data() + i * 4, &v, 4);
        } else {
            bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(static_cast<int8_t>(byte(rng)));
        }
    }
    if (d.rank() == 4 && d.layout == Layout::NCHW8c) {  // re-zero the channel padding
        const int64_t C = d.c(), padded = (C + kBlock - 1) / kBlock * kBlock;
        const size_t elem = d.precision == Precision::FP32 ? 4 : 1;
        for (int64_t n = 0; n < d.n(); ++n)
            for (int64_t c = C; c < padded; ++c)
                for (int64_t h = 0; h < d.h(); ++h)
                    for (int64_t w = 0; w < d.w(); ++w) {
                        const int64_t o = ((n * (padded / kBlock) + c / kBlock) * d.h() + h) * d.w() * kBlock + w * kBlock + c % kBlock;
                        std::memset(bytes.data() + o * static_cast<int64_t>(elem), 0, elem);
                    }
    }
    return bytes;
}

TEST(Convert, FastMatchesReferenceBitExactly) {
    std::mt19937 rng(20261130);
    std::uniform_int_distribution<int64_t> small(1, 4), chan(1, 21), side(1, 19);
    const Layout layouts[] = {Layout::NCHW, Layout::NHWC, Layout::NCHW8c};
    const Precision precisions[] = {Precision::FP32, Precision::INT8};
    const Quant qa{0.05f, 7}, qb{0.031f, -13};
    ThreadPool& pool = ThreadPool::shared();
    for (int trial = 0; trial < 12; ++trial) {
        std::vector<int64_t> dims = trial % 6 == 5 ? std::vector<int64_t>{small(rng), chan(rng) * 3}
                                                   : std::vector<int64_t>{small(rng), chan(rng), side(rng), side(rng)};
        if (trial == 0) dims = {2, 3, 37, 41};  // more than one spatial tile, odd sides
        for (Layout lf : layouts)
            for (Precision pf : precisions)
                for (Layout lt : layouts)
                    for (Precision pt : precisions)
                        for (int threads : {1, 2}) {
                            const TensorDesc from = desc(dims, lf, pf, qa);
                            const TensorDesc to = desc(dims, lt, pt, trial % 2 ? qb : qa);
                            const std::vector<uint8_t> src = random_source(from, rng);
                            std::vector<uint8_t> want(to.bytes(), 0xAB), got(to.bytes(), 0xCD);
                            convert_ref(from, src.data(), to, want.data(), pool, 1);
                            convert(from, src.data(), to, got.data(), pool, threads);
                            ASSERT_EQ(want, got) << from.str() << " -> " << to.str() << " threads " << threads;
                        }
    }
}

// Found by the frame fuzzer: NaN weights reached the FP32 -> INT8 conversion, whose float-to-int cast of NaN was
// undefined (UBSan in the sanitize and fuzz builds). Both conversions must saturate it to the same defined value.
TEST(Convert, QuantisingNaNSaturatesInsteadOfUndefinedBehaviour) {
    const Quant q{0.05f, 7};
    const TensorDesc from = desc({1, 8, 3, 5}, Layout::NCHW, Precision::FP32, q), to = desc({1, 8, 3, 5}, Layout::NHWC, Precision::INT8, q);
    std::vector<float> src(static_cast<size_t>(from.bytes() / sizeof(float)), std::numeric_limits<float>::quiet_NaN());
    src[1] = 1.0f;
    std::vector<int8_t> want(src.size()), got(src.size());
    convert_ref(from, src.data(), to, want.data(), ThreadPool::shared(), 1);
    convert(from, src.data(), to, got.data(), ThreadPool::shared(), 2);
    EXPECT_EQ(want, got);
    EXPECT_EQ(got[0], -128);
    EXPECT_EQ(quantize(std::numeric_limits<float>::quiet_NaN(), q), -128);
    EXPECT_EQ(quantize(1.0f, q), 27);
}

TEST(Convert, RejectsDifferentShapes) {
    const Quant q{1.0f, 0};
    const TensorDesc a = desc({1, 2, 3, 3}, Layout::NCHW, Precision::FP32, q), b = desc({1, 2, 3, 4}, Layout::NHWC, Precision::FP32, q);
    std::vector<float> src(18), dst(24);
    EXPECT_THROW(convert(a, src.data(), b, dst.data(), ThreadPool::shared(), 1), std::invalid_argument);
}

}  // namespace
}  // namespace dsx
