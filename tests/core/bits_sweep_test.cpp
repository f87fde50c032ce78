// The bits sweep: each point is the analysis at that configuration, and the integer points
// fall about 6 dB a bit on real weights.
#include "analysis/bits_sweep.h"
#include "analysis/tensor_inspection.h"
#include "common/error.h"
#include "support/svtr_fixture.h"

#include <gtest/gtest.h>

namespace qs {
namespace {

class BitsSweepTest : public test::SvtrTensorTest {
protected:
    BitsSweepTest()
        : SvtrTensorTest("linear_81.w_0")
    {
    }
};

TEST_F(BitsSweepTest, IntegerPointsAreTheAnalysisAtEachWidth)
{
    const QuantConfig base; // int8, symmetric, per channel, minmax
    const std::vector<SweepPoint> points = sweepTensor(*model_, index_, base);
    std::vector<std::string> labels;
    for (const SweepPoint& p : points)
        labels.push_back(p.label);
    // [120, 360]: 360 is not a multiple of the presets' 32-element block, so no preset point.
    EXPECT_EQ(labels, (std::vector<std::string>{"int2", "int3", "int4", "int5", "int6", "int7",
                                                "int8", "fp8-e4m3", "fp8-e5m2", "fp4-e2m1"}));
    for (int bits = 2; bits <= 8; ++bits) {
        const SweepPoint& p = points[static_cast<std::size_t>(bits - 2)];
        EXPECT_EQ(p.bits, bits);
        EXPECT_EQ(p.family, SweepPoint::Family::Integer);
        QuantConfig config = base;
        config.format = parseNumberFormat("int" + std::to_string(bits));
        EXPECT_EQ(p.metrics.sqnrDb, inspectTensor(*model_, index_, config).layer.metrics.sqnrDb);
        if (bits > 3) { // well above the coarsest grids, each bit buys about 6 dB
            const double gain = p.metrics.sqnrDb - points[bits - 3].metrics.sqnrDb;
            EXPECT_GT(gain, 5.0) << bits;
            EXPECT_LT(gain, 7.0) << bits;
        }
    }
    EXPECT_EQ(points[7].family, SweepPoint::Family::Float);
    EXPECT_EQ(points[9].bits, 4.0);
}

TEST_F(BitsSweepTest, KeepsTheSettingsItCanAndSaysWhatItSwept)
{
    QuantConfig base;
    base.format = parseNumberFormat("uint8");
    base.scheme = Scheme::Asymmetric;
    base.calibration = parseCalibration("percentile:99.9");
    const auto configs = sweepConfigs(base);
    ASSERT_EQ(configs.size(), 7u + 3u + 4u);
    EXPECT_EQ(configs[0].first.label, "uint2");
    EXPECT_EQ(configs[0].second.scheme, Scheme::Asymmetric);
    EXPECT_EQ(configs[0].second.calibration.method, Calibration::Method::Percentile);
    // Floats are symmetric, and keep the percentile; presets fix their own settings.
    EXPECT_EQ(configs[7].second.scheme, Scheme::Symmetric);
    EXPECT_EQ(configs[7].second.calibration.method, Calibration::Method::Percentile);
    EXPECT_EQ(configs[11].first.label, "gguf-q4_0");
    EXPECT_EQ(configs[11].first.bits, 4.5);
    EXPECT_EQ(configs[12].first.bits, 4.25); // mxfp4
    for (const auto& [point, config] : configs)
        EXPECT_NO_THROW(validate(config)) << point.label;
    // kl does not apply to floats: they fall back to minmax.
    base = QuantConfig{};
    base.calibration = parseCalibration("kl");
    EXPECT_EQ(sweepConfigs(base)[8].second.calibration.method, Calibration::Method::MinMax);
}

TEST_F(BitsSweepTest, WholeModelPointsAreTheModelSummary)
{
    const QuantConfig base;
    const std::vector<SweepPoint> points = sweepModel(*model_, base);
    ASSERT_EQ(points.size(), 10u);
    QuantConfig int4 = base;
    int4.format = parseNumberFormat("int4");
    EXPECT_EQ(points[2].label, "int4");
    EXPECT_EQ(points[2].metrics.sqnrDb, analyzeModel(*model_, int4).summary.metrics.sqnrDb);
}

TEST_F(BitsSweepTest, StopsWhenAsked)
{
    int polls = 0;
    EXPECT_THROW(sweepTensor(*model_, index_, QuantConfig{}, [&] { return ++polls < 2; }),
                 CancelledError);
    EXPECT_THROW(sweepModel(*model_, QuantConfig{}, [] { return false; }), CancelledError);
}

} // namespace
} // namespace qs
