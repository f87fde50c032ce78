// Spec §6: narrow float casts, their saturation and underflow counts, and the decoders of
// stored narrow types.
#include "common/cpu_features.h"
#include "quant/float_format.h"
#include "tensor/decode.h"
#include "tensor/decode_f16c.h"

#include <bit>
#include <cmath>
#include <gtest/gtest.h>
#include <limits>

namespace qs {
namespace {

float cast(float x, const FloatFormat& f)
{
    CastCounts ignored;
    return castToFormat(x, f, ignored);
}

TEST(FloatFormat, Fp8E4M3RoundsToNearestEvenOnItsGrid)
{
    // Between 1 and 2 the E4M3 step is 1/8: 1.0625 is a tie between 1 and 1.125.
    EXPECT_EQ(cast(1.0625f, kFp8E4M3), 1.0f);
    EXPECT_EQ(cast(1.1875f, kFp8E4M3), 1.25f); // tie between 1.125 and 1.25 -> even mantissa
    EXPECT_EQ(cast(1.07f, kFp8E4M3), 1.125f);
    EXPECT_EQ(cast(-300.0f, kFp8E4M3), -288.0f); // step 32 in [256, 448]
    EXPECT_EQ(cast(448.0f, kFp8E4M3), 448.0f);
}

TEST(FloatFormat, SaturatesAndCountsOverflow)
{
    CastCounts counts;
    EXPECT_EQ(castToFormat(1000.0f, kFp8E4M3, counts), 448.0f);
    EXPECT_EQ(castToFormat(-1e6f, kFp8E5M2, counts), -57344.0f);
    EXPECT_EQ(castToFormat(7.0f, kFp4E2M1, counts), 6.0f);
    EXPECT_EQ(castToFormat(70000.0f, kFp16, counts), 65504.0f);
    EXPECT_EQ(counts.overflow, 4u);
    EXPECT_EQ(counts.underflow, 0u);
}

TEST(FloatFormat, SubnormalsAndUnderflow)
{
    CastCounts counts;
    // Smallest E4M3 subnormal is 2^-9; half of it ties to zero (even), a bit more rounds up.
    EXPECT_EQ(castToFormat(std::ldexp(1.0f, -9), kFp8E4M3, counts), std::ldexp(1.0f, -9));
    EXPECT_EQ(castToFormat(std::ldexp(1.0f, -10), kFp8E4M3, counts), 0.0f);
    EXPECT_EQ(castToFormat(std::ldexp(1.5f, -10), kFp8E4M3, counts), std::ldexp(1.0f, -9));
    EXPECT_EQ(castToFormat(-1e-30f, kFp16, counts), -0.0f);
    EXPECT_EQ(counts.underflow, 2u);
    EXPECT_EQ(castToFormat(0.0f, kFp16, counts), 0.0f);
    EXPECT_EQ(counts.underflow, 2u) << "an exact zero is not an underflow";
}

TEST(FloatFormat, Fp4E2M1HasEightMagnitudes)
{
    const float expected[] = {0, 0.5f, 1, 1.5f, 2, 3, 4, 6};
    for (float v : expected)
        EXPECT_EQ(cast(v, kFp4E2M1), v);
    EXPECT_EQ(cast(0.25f, kFp4E2M1), 0.0f); // tie between 0 and 0.5 -> 0 (even)
    EXPECT_EQ(cast(2.5f, kFp4E2M1), 2.0f);  // tie between 2 and 3 -> 2 (even mantissa)
    EXPECT_EQ(cast(5.0f, kFp4E2M1), 4.0f);  // tie between 4 and 6 -> 4
}

TEST(FloatFormat, Bf16AndFp16MatchBitTruncationWithRounding)
{
    // 1 + 2^-8 is a bf16 tie: rounds to 1 (even). 1 + 3*2^-9 rounds up to 1 + 2^-7.
    EXPECT_EQ(cast(1.0f + std::ldexp(1.0f, -8), kBf16), 1.0f);
    EXPECT_EQ(cast(1.0f + 3 * std::ldexp(1.0f, -9), kBf16), 1.0f + std::ldexp(1.0f, -7));
    EXPECT_EQ(cast(0.1f, kFp16), halfBitsToFloat(0x2e66));
}

TEST(FloatFormat, RoundToHalfOverflowsToInfinityLikeHardware)
{
    EXPECT_EQ(roundToHalf(65504.0f), 65504.0f);
    EXPECT_EQ(roundToHalf(65519.0f), 65504.0f);
    EXPECT_TRUE(std::isinf(roundToHalf(65520.0f)));
    EXPECT_EQ(roundToHalf(0.1f), halfBitsToFloat(0x2e66));
}

TEST(FloatFormat, DecodersOfStoredTypes)
{
    EXPECT_EQ(halfBitsToFloat(0x3c00), 1.0f);
    EXPECT_EQ(halfBitsToFloat(0xc000), -2.0f);
    EXPECT_EQ(halfBitsToFloat(0x0001), std::ldexp(1.0f, -24));
    EXPECT_TRUE(std::isinf(halfBitsToFloat(0x7c00)));
    EXPECT_TRUE(std::isnan(halfBitsToFloat(0x7e00)));
    EXPECT_EQ(bf16BitsToFloat(0x3f80), 1.0f);
    EXPECT_EQ(fp8E4M3BitsToFloat(0x7e), 448.0f);
    EXPECT_TRUE(std::isnan(fp8E4M3BitsToFloat(0x7f)));
    EXPECT_EQ(fp8E4M3BitsToFloat(0x01), std::ldexp(1.0f, -9));
    EXPECT_EQ(fp8E4M3BitsToFloat(0xb8), -1.0f);
    EXPECT_EQ(fp8E5M2BitsToFloat(0x7b), 57344.0f);
    EXPECT_TRUE(std::isinf(fp8E5M2BitsToFloat(0x7c)));
}

TEST(FloatFormat, EveryFp8E4M3CodeRoundTripsThroughTheCast)
{
    for (int bits = 0; bits < 256; ++bits) {
        const float value = fp8E4M3BitsToFloat(static_cast<std::uint8_t>(bits));
        if (std::isnan(value))
            continue;
        EXPECT_EQ(cast(value, kFp8E4M3), value) << "code " << bits;
    }
}

} // namespace
} // namespace qs

namespace qs {
namespace {

// Both fp16 widening paths agree with the reference decoder on every one of the 65536
// codes (NaNs compared as NaNs: the hardware may quieten a signalling payload).
TEST(Decode, EveryHalfCodeWidensExactly)
{
    std::vector<std::uint8_t> bytes(2 * 65536);
    for (std::uint32_t code = 0; code < 65536; ++code) {
        bytes[2 * code] = static_cast<std::uint8_t>(code);
        bytes[2 * code + 1] = static_cast<std::uint8_t>(code >> 8);
    }
    std::vector<float> portable(65536), hardware(65536);
    widenHalfPortable(bytes.data(), 65536, portable.data());
    const bool haveF16c = cpuFeatures().f16c;
    if (haveF16c)
        widenHalfF16c(bytes.data(), 65536, hardware.data());
    const std::vector<float> dispatched = decodeToFloat(DType::F16, bytes);
    for (std::uint32_t code = 0; code < 65536; ++code) {
        const float expected = halfBitsToFloat(static_cast<std::uint16_t>(code));
        for (const float got :
             {portable[code], dispatched[code], haveF16c ? hardware[code] : expected}) {
            if (std::isnan(expected))
                EXPECT_TRUE(std::isnan(got)) << code;
            else
                EXPECT_EQ(std::bit_cast<std::uint32_t>(got), std::bit_cast<std::uint32_t>(expected))
                    << code;
        }
    }
}

} // namespace
} // namespace qs
