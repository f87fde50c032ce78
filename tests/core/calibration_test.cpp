// Spec §2: percentile, MSE and entropy calibration.
#include "quant/calibration.h"
#include "quant/kl_calibration.h"
#include "quant/scale.h"
#include "support/quant_fixtures.h"

#include <algorithm>
#include <gtest/gtest.h>

namespace qs {
namespace {

TEST(Percentile, LinearInterpolationLikeNumpy)
{
    std::vector<float> values{10, 1, 9, 2, 8, 3, 7, 4, 6, 5};
    // numpy.percentile(range(1, 11), 90) = 9.1; 50 -> 5.5; 100 -> 10; 0 -> 1
    EXPECT_FLOAT_EQ(percentileLinear(values, 90), 9.1f);
    EXPECT_FLOAT_EQ(percentileLinear(values, 50), 5.5f);
    EXPECT_EQ(percentileLinear(values, 100), 10.0f);
    EXPECT_EQ(percentileLinear(values, 0), 1.0f);
    std::vector<float> single{3.0f};
    EXPECT_EQ(percentileLinear(single, 99.9), 3.0f);
}

double squaredError(std::span<const float> block, const ClipRange& clip, const char* dtype,
                    Scheme scheme)
{
    const NumberFormat format = parseNumberFormat(dtype);
    const IntGrid grid = intGrid(format, false);
    ErrorSums sums;
    quantizeIntBlockRef(
        block.data(), block.size(),
        makeIntParams(computeScaleZero(clip, scheme, format, grid, Convention::Default), grid),
        sums, nullptr);
    return sums.sumE2;
}

TEST(MseCalibration, FindsTheBestClipOfTheGrid)
{
    auto block = test::gaussian(2000, 3);
    block[0] = 25.0f; // one outlier makes minmax a poor choice
    const RangeStats stats = rangeOfRef(block.data(), block.size());
    auto error = [&](const ClipRange& c) {
        return squaredError(block, c, "int4", Scheme::Symmetric);
    };
    const ClipRange chosen = mseSearch(stats, Scheme::Symmetric, error);
    double best = INFINITY;
    for (int k = 1; k <= 1000; ++k) {
        const float a = stats.absMax() * static_cast<float>(k) / 1000.0f;
        best = std::min(best, error({-a, a}));
    }
    EXPECT_LE(error(chosen), best * 1.005);
    EXPECT_LT(chosen.hi, 0.5f * stats.absMax());
    EXPECT_LT(error(chosen), error({-stats.absMax(), stats.absMax()}));
}

TEST(MseCalibration, AsymmetricScansBothEnds)
{
    auto block = test::gaussian(1500, 5);
    for (float& v : block)
        v = std::fabs(v); // all positive, with a long right tail
    block[10] = 30.0f;
    const RangeStats stats = rangeOfRef(block.data(), block.size());
    auto error = [&](const ClipRange& c) {
        return squaredError(block, c, "uint4", Scheme::Asymmetric);
    };
    const ClipRange chosen = mseSearch(stats, Scheme::Asymmetric, error);
    EXPECT_LT(error(chosen), error({stats.min, stats.max}));
    EXPECT_LT(chosen.hi, stats.max);
}

TEST(KlCalibration, ClipsHeavyTailsAndKeepsUniformRange)
{
    auto heavy = test::gaussian(20000, 9);
    for (int i = 0; i < 20; ++i)
        heavy[i * 97] = 40.0f; // outliers far beyond the bulk
    const float heavyClip = klThreshold(heavy, 40.0f, 128);
    EXPECT_LT(heavyClip, 20.0f);
    EXPECT_GT(heavyClip, 2.0f);

    std::vector<float> uniform(20000);
    for (std::size_t i = 0; i < uniform.size(); ++i)
        uniform[i] = -1.0f + 2.0f * static_cast<float>(i) / static_cast<float>(uniform.size() - 1);
    EXPECT_GT(klThreshold(uniform, 1.0f, 128), 0.9f);
    EXPECT_EQ(klThreshold(std::vector<float>(10, 0.0f), 0.0f, 128), 0.0f);
}

TEST(Calibration, PercentileSymmetricUsesMagnitudes)
{
    std::vector<float> block{-10, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    const RangeStats stats = rangeOfRef(block.data(), block.size());
    std::vector<float> scratch;
    const ClipRange clip = calibrateBlock(block, stats, parseCalibration("percentile:90"),
                                          Scheme::Symmetric, 128, nullptr, scratch);
    EXPECT_FLOAT_EQ(clip.hi, 9.1f); // |x| = 1..10
    EXPECT_FLOAT_EQ(clip.lo, -9.1f);
    const ClipRange asym = calibrateBlock(block, stats, parseCalibration("percentile:90"),
                                          Scheme::Asymmetric, 128, nullptr, scratch);
    EXPECT_FLOAT_EQ(asym.hi, 8.1f);  // x sorted: -10, 1..9
    EXPECT_FLOAT_EQ(asym.lo, -0.1f); // 10th percentile: 0.9 of the way from -10 to 1
}

// The sparse evaluation and the plain loop over every bin choose the same threshold, on
// blocks from a single value to tens of thousands, with and without outliers.
TEST(KlCalibration, SparseSearchMatchesThePlainLoop)
{
    for (std::size_t n : {1u, 2u, 7u, 33u, 120u, 1000u, 20000u}) {
        for (unsigned seed = 1; seed <= 3; ++seed) {
            auto block = test::gaussian(n, seed);
            if (n > 10 && seed == 2)
                block[n / 2] = 30.0f;
            if (seed == 3)
                for (float& v : block)
                    v = std::round(v * 4) / 4; // few distinct values
            const float amax = rangeOfRef(block.data(), block.size()).absMax();
            for (int levels : {8, 128}) {
                EXPECT_EQ(klThreshold(block, amax, levels), klThresholdRef(block, amax, levels))
                    << "n=" << n << " seed=" << seed << " levels=" << levels;
            }
        }
    }
}

} // namespace
} // namespace qs
