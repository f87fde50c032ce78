// Spec §7: the GGUF and MX block formats on hand-computed blocks, following ggml's
// reference quantizers (quantize_row_q8_0_ref, quantize_row_q4_0_ref) step by step.
#include "quant/presets.h"

#include <array>
#include <cmath>
#include <gtest/gtest.h>

namespace qs {
namespace {

using Block = std::array<float, 32>;

Block quantize(Preset preset, const Block& x, float* scale = nullptr, ErrorSums* sumsOut = nullptr,
               CastCounts* castsOut = nullptr)
{
    Block out{};
    ErrorSums sums;
    CastCounts casts;
    const float s = quantizePresetBlock(preset, x.data(), sums, casts, out.data());
    if (scale)
        *scale = s;
    if (sumsOut)
        *sumsOut = sums;
    if (castsOut)
        *castsOut = casts;
    return out;
}

TEST(GgufQ8_0, RoundsTiesAwayFromZeroAndStoresDAsFp16)
{
    Block x{};
    x[0] = 127.0f; // d = 1 exactly
    x[1] = 2.5f;   // roundf -> 3, not 2
    x[2] = -2.5f;  // -> -3
    x[3] = 0.49f;
    float d = 0;
    const Block out = quantize(Preset::GgufQ8_0, x, &d);
    EXPECT_EQ(d, 1.0f);
    EXPECT_EQ(out[0], 127.0f);
    EXPECT_EQ(out[1], 3.0f);
    EXPECT_EQ(out[2], -3.0f);
    EXPECT_EQ(out[3], 0.0f);

    Block y{};
    y[0] = 1.0f; // d = 1/127, which fp16 cannot hold exactly
    const Block outY = quantize(Preset::GgufQ8_0, y, &d);
    EXPECT_EQ(d, roundToHalf(1.0f / 127.0f));
    EXPECT_NE(d, 1.0f / 127.0f);
    EXPECT_EQ(outY[0], 127.0f * d);
}

TEST(GgufQ4_0, LargestMagnitudeMapsToMinusEight)
{
    Block x{};
    x[0] = -8.0f; // m = -8, d = 1
    x[1] = 7.0f;  // 7 + 8.5 = 15.5 -> 15 -> +7
    x[2] = 0.4f;  // 8.9 -> 8 -> 0
    x[3] = 0.5f;  // 9.0 -> 9 -> +1: truncation of x+8.5 rounds halves up
    x[4] = -0.5f; // 8.0 -> 8 -> 0
    float d = 0;
    const Block out = quantize(Preset::GgufQ4_0, x, &d);
    EXPECT_EQ(d, 1.0f);
    EXPECT_EQ(out[0], -8.0f);
    EXPECT_EQ(out[1], 7.0f);
    EXPECT_EQ(out[2], 0.0f);
    EXPECT_EQ(out[3], 1.0f);
    EXPECT_EQ(out[4], 0.0f);
}

TEST(GgufQ4_0, PositiveExtremeFlipsTheGridAndClampsTheOtherEnd)
{
    Block x{};
    x[0] = 8.0f;  // m = +8, d = -1: code 0 means +8
    x[1] = -8.0f; // -8 * -1 + 8.5 = 16.5 -> 16 -> capped at 15 -> -7 (clamped)
    float d = 0;
    ErrorSums sums;
    const Block out = quantize(Preset::GgufQ4_0, x, &d, &sums);
    EXPECT_EQ(d, -1.0f);
    EXPECT_EQ(out[0], 8.0f);
    EXPECT_EQ(out[1], -7.0f);
    EXPECT_EQ(sums.clipped, 1u);
    EXPECT_EQ(sums.maxAbsErr, 1.0f);
}

TEST(GgufQ4_0, FirstValueOfLargestMagnitudeWins)
{
    Block x{};
    x[3] = 3.0f;
    x[7] = -3.0f;
    float d = 0;
    quantize(Preset::GgufQ4_0, x, &d);
    EXPECT_EQ(d, roundToHalf(3.0f / -8.0f));
    x[3] = -3.0f;
    x[7] = 3.0f;
    quantize(Preset::GgufQ4_0, x, &d);
    EXPECT_EQ(d, roundToHalf(-3.0f / -8.0f));
}

TEST(Mx, SharedScaleIsPowerOfTwoBelowTheLargestValue)
{
    Block x{};
    x[0] = 5.0f;  // floor(log2 5) = 2, emax(fp4) = 2: scale 2^0
    x[1] = 2.5f;  // tie between 2 and 3 -> 2
    x[2] = -0.3f; // -> -0.5 (nearest of 0, 0.5)
    float scale = 0;
    const Block out = quantize(Preset::Mxfp4, x, &scale);
    EXPECT_EQ(scale, 1.0f);
    EXPECT_EQ(out[0], 4.0f); // 5 is a tie between 4 and 6 -> 4 (even mantissa)
    EXPECT_EQ(out[1], 2.0f);
    EXPECT_EQ(out[2], -0.5f);

    x[0] = 7.5f; // same exponent: 7.5 / 1 > 6 saturates, counted
    CastCounts casts;
    const Block saturated = quantize(Preset::Mxfp4, x, &scale, nullptr, &casts);
    EXPECT_EQ(saturated[0], 6.0f);
    EXPECT_EQ(casts.overflow, 1u);

    Block y{};
    y[0] = 1.0f; // emax(e4m3) = 8: scale 2^-8, 1 -> 256 exactly representable
    y[1] = 0.3f;
    const Block outY = quantize(Preset::Mxfp8E4M3, y, &scale);
    EXPECT_EQ(scale, std::ldexp(1.0f, -8));
    EXPECT_EQ(outY[0], 1.0f);
    EXPECT_EQ(outY[1], std::ldexp(80.0f, -8)); // 76.8 -> 80 (step 8 in [64, 128))
}

TEST(Presets, AllZeroBlockHasNoError)
{
    for (Preset p : {Preset::GgufQ8_0, Preset::GgufQ4_0, Preset::Mxfp4, Preset::Mxfp8E4M3}) {
        ErrorSums sums;
        const Block out = quantize(p, Block{}, nullptr, &sums);
        EXPECT_EQ(sums.sumE2, 0.0);
        EXPECT_EQ(out[5], 0.0f);
    }
}

} // namespace
} // namespace qs
