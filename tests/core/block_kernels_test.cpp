// The hand-vectorised kernels against their plain-loop twins: codes and x̂ bit-identical,
// counts identical, double sums equal to summation-order rounding.
#include "common/cpu_features.h"
#include "quant/block_kernels.h"
#include "support/quant_fixtures.h"

#include <cstring>
#include <gtest/gtest.h>
#include <limits>

namespace qs {
namespace {

// Sums of up to 1e5 terms of one sign, in another order: relative error far below 1e-12.
constexpr double kSumTolerance = 1e-12;

void expectSumsNear(const ErrorSums& fast, const ErrorSums& ref)
{
    EXPECT_EQ(fast.count, ref.count);
    EXPECT_EQ(fast.clipped, ref.clipped);
    EXPECT_EQ(fast.maxAbsErr, ref.maxAbsErr);
    EXPECT_NEAR(fast.sumX2, ref.sumX2, kSumTolerance * std::abs(ref.sumX2) + 1e-30);
    EXPECT_NEAR(fast.sumE2, ref.sumE2, kSumTolerance * std::abs(ref.sumE2) + 1e-30);
    // Σe and Σxe mix signs: compare against the scale of their absolute terms.
    EXPECT_NEAR(fast.sumE, ref.sumE, kSumTolerance * std::sqrt(ref.sumE2 * ref.count) + 1e-30);
    EXPECT_NEAR(fast.sumXE, ref.sumXE,
                kSumTolerance * std::sqrt(ref.sumX2 * ref.sumE2) * 10 + 1e-30);
}

std::vector<float> awkwardValues(std::size_t n, unsigned seed)
{
    auto values = test::gaussian(n, seed);
    // Nonfinite values at scattered places, and values far beyond the clipping range.
    if (n > 3)
        values[n / 3] = std::numeric_limits<float>::quiet_NaN();
    if (n > 7)
        values[n - 2] = std::numeric_limits<float>::infinity();
    if (n > 11)
        values[5] = 1e30f;
    return values;
}

class KernelSizes : public ::testing::TestWithParam<std::size_t> {
protected:
    void SetUp() override
    {
        if (!cpuFeatures().avx2 || !cpuFeatures().fma)
            GTEST_SKIP() << "this CPU has no AVX2: only the reference path runs here";
    }
};

TEST_P(KernelSizes, RangeMatchesReference)
{
    const auto values = awkwardValues(GetParam(), 7);
    const RangeStats fast = rangeOfAvx2(values.data(), values.size());
    const RangeStats ref = rangeOfRef(values.data(), values.size());
    EXPECT_EQ(fast.min, ref.min);
    EXPECT_EQ(fast.max, ref.max);
    EXPECT_EQ(fast.finite, ref.finite);
    EXPECT_EQ(fast.nonfinite, ref.nonfinite);
}

TEST_P(KernelSizes, QuantizeMatchesReferenceBitForBit)
{
    const auto values = awkwardValues(GetParam(), 11);
    // The plain grids, then each convention's variant: ties away, x / s, x̂ = q / factor.
    const IntQuantParams away{0.5f, 2.0f, 0, -127, 127, TieRule::AwayFromZero};
    const IntQuantParams divide{0.03f, 1.0f / 0.03f, 2, -128, 127, TieRule::ToEven, true};
    const IntQuantParams both{0.03f, 1.0f / 0.03f, 0, 0, 255, TieRule::AwayFromZero, true};
    const IntQuantParams factor{0.07f, 127.0f / 8.89f, 0, -128, 127, TieRule::ToEven, false, true};
    for (const IntQuantParams params :
         {IntQuantParams{0.02f, 1.0f / 0.02f, 0, -128, 127}, IntQuantParams{0.5f, 2.0f, 3, -8, 7},
          IntQuantParams{0.01f, 100.0f, 128, 0, 255}, away, divide, both, factor}) {
        std::vector<float> fastOut(values.size()), refOut(values.size());
        ErrorSums fast, ref;
        quantizeIntBlockAvx2(values.data(), values.size(), params, fast, fastOut.data());
        quantizeIntBlockRef(values.data(), values.size(), params, ref, refOut.data());
        ASSERT_EQ(0, std::memcmp(fastOut.data(), refOut.data(), values.size() * sizeof(float)));
        expectSumsNear(fast, ref);
    }
}

INSTANTIATE_TEST_SUITE_P(AwkwardSizes, KernelSizes,
                         ::testing::Values(1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127,
                                           129, 1000, 65537));

TEST(BlockKernels, RoundingTiesGoToEven)
{
    // x * (1/s) = k + 0.5 exactly with s = 1: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -2.5 -> -2.
    const float x[] = {0.5f, 1.5f, 2.5f, -2.5f, -3.5f};
    const float expected[] = {0.0f, 2.0f, 2.0f, -2.0f, -4.0f};
    float out[5];
    ErrorSums sums;
    quantizeIntBlock(x, 5, IntQuantParams{1.0f, 1.0f, 0, -128, 127}, sums, out);
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(out[i], expected[i]) << x[i];
}

TEST(BlockKernels, ClampedValuesCountAsClippedOnlyBeyondHalfAStep)
{
    // Grid -2..1 with s = 1: 1.4 rounds to 1 (not clamped); 1.6 rounds to 2, clamped to 1
    // with |e| = 0.6 > 0.5 (clipped); -2.4 rounds to -2 (inside).
    const float x[] = {1.4f, 1.6f, -2.4f, 5.0f};
    ErrorSums sums;
    quantizeIntBlock(x, 4, IntQuantParams{1.0f, 1.0f, 0, -2, 1}, sums, nullptr);
    EXPECT_EQ(sums.clipped, 2u);
    EXPECT_EQ(sums.count, 4u);
    EXPECT_FLOAT_EQ(sums.maxAbsErr, 4.0f);
}

TEST(BlockKernels, NonfiniteValuesAreExcludedAndPassedThrough)
{
    const float x[] = {1.0f, std::numeric_limits<float>::quiet_NaN(),
                       -std::numeric_limits<float>::infinity(), 2.0f};
    float out[4];
    ErrorSums sums;
    quantizeIntBlock(x, 4, IntQuantParams{1.0f, 1.0f, 0, -128, 127}, sums, out);
    EXPECT_EQ(sums.count, 2u);
    EXPECT_EQ(sums.sumX2, 5.0);
    EXPECT_TRUE(std::isnan(out[1]));
    EXPECT_TRUE(std::isinf(out[2]));
    const RangeStats stats = rangeOf(x, 4);
    EXPECT_EQ(stats.nonfinite, 2u);
    EXPECT_EQ(stats.min, 1.0f);
    EXPECT_EQ(stats.max, 2.0f);
}

} // namespace
} // namespace qs
