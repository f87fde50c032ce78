// Spec §1 and §3 on hand-computed examples.
#include "quant/scale.h"
#include "support/quant_fixtures.h"

#include <cmath>
#include <gtest/gtest.h>
#include <limits>

namespace qs {
namespace {

TEST(IntGrid, SignedUnsignedNarrow)
{
    EXPECT_EQ(intGrid(parseNumberFormat("int8"), false).qmin, -128);
    EXPECT_EQ(intGrid(parseNumberFormat("int8"), true).qmin, -127);
    EXPECT_EQ(intGrid(parseNumberFormat("int2"), false).qmax, 1);
    EXPECT_EQ(intGrid(parseNumberFormat("int16"), false).qmin, -32768);
    EXPECT_EQ(intGrid(parseNumberFormat("uint4"), false).qmax, 15);
    EXPECT_EQ(intGrid(parseNumberFormat("uint16"), false).qmax, 65535);
}

ScaleZero scaleFor(float lo, float hi, const char* dtype, Scheme scheme,
                   Convention convention = Convention::Default)
{
    const NumberFormat format = parseNumberFormat(dtype);
    return computeScaleZero({lo, hi}, scheme, format, intGrid(format, false), convention);
}

TEST(ScaleZero, SymmetricDividesByQmax)
{
    EXPECT_EQ(scaleFor(-10, 10, "int8", Scheme::Symmetric).scale, 10.0f / 127.0f);
    EXPECT_EQ(scaleFor(-3, 10, "int8", Scheme::Symmetric).scale, 10.0f / 127.0f);
    EXPECT_EQ(scaleFor(-10, 3, "int4", Scheme::Symmetric).scale, 10.0f / 7.0f);
    EXPECT_EQ(scaleFor(-10, 10, "int8", Scheme::Symmetric).zeroPoint, 0);
}

TEST(ScaleZero, PytorchSymmetricDividesByHalfTheRange)
{
    EXPECT_EQ(scaleFor(-10, 10, "int8", Scheme::Symmetric, Convention::PyTorch).scale,
              10.0f / 127.5f);
    // quint8 symmetric: zero point in the middle of the grid.
    EXPECT_EQ(scaleFor(-10, 10, "uint8", Scheme::Symmetric, Convention::PyTorch).zeroPoint, 128);
}

TEST(ScaleZero, AsymmetricWidensToContainZero)
{
    // [-1, 3] on uint8: s = 4/255, z = round(1/s) = round(63.75) = 64.
    const ScaleZero u = scaleFor(-1, 3, "uint8", Scheme::Asymmetric);
    EXPECT_EQ(u.scale, 4.0f / 255.0f);
    EXPECT_EQ(u.zeroPoint, 64);
    EXPECT_EQ(scaleFor(-1, 3, "int8", Scheme::Asymmetric).zeroPoint, -64);
    // [2, 5] is widened to [0, 5]: zero maps to qmin exactly.
    const ScaleZero positive = scaleFor(2, 5, "uint8", Scheme::Asymmetric);
    EXPECT_EQ(positive.scale, 5.0f / 255.0f);
    EXPECT_EQ(positive.zeroPoint, 0);
    EXPECT_EQ(scaleFor(-5, -2, "uint8", Scheme::Asymmetric).zeroPoint, 255);
}

TEST(ScaleZero, EmptyRangeNeverDividesByZero)
{
    EXPECT_EQ(scaleFor(0, 0, "int8", Scheme::Symmetric).scale, 1.0f);
    const ScaleZero asym = scaleFor(0, 0, "uint8", Scheme::Asymmetric);
    EXPECT_EQ(asym.scale, 1.0f);
    EXPECT_EQ(asym.zeroPoint, 0);
    // PyTorch's observers floor the scale at float32 epsilon instead.
    EXPECT_EQ(scaleFor(0, 0, "int8", Scheme::Symmetric, Convention::PyTorch).scale,
              std::numeric_limits<float>::epsilon());
}

TEST(ScaleZero, SubnormalRangeGetsAScaleWithAFiniteReciprocal)
{
    // amax/127 of a block of subnormal values is a scale whose 1/s overflows to inf, and
    // 0 · inf would make NaN codes; such a block is treated as empty.
    const float tiny = std::numeric_limits<float>::denorm_min() * 1000;
    for (Scheme scheme : {Scheme::Symmetric, Scheme::Asymmetric}) {
        const ScaleZero z = scaleFor(-tiny, tiny, "int8", scheme);
        EXPECT_EQ(z.scale, 1.0f);
        EXPECT_TRUE(std::isfinite(1.0f / z.scale));
    }
    // The smallest scale whose reciprocal is finite is kept as it is.
    const float smallest = 1.0f / std::numeric_limits<float>::max() * 2;
    const float kept = scaleFor(-smallest * 127, smallest * 127, "int8", Scheme::Symmetric).scale;
    EXPECT_NEAR(kept, smallest, smallest * 1e-6f);
}

TEST(ScaleZero, ZeroPointTieRoundsToEven)
{
    // lo = -1.5 s exactly: round(-1.5) = -2 under ties-to-even, so z = qmin + 2.
    const NumberFormat uint8 = parseNumberFormat("uint8");
    const float s = 0.5f;
    const ScaleZero z = computeScaleZero({-0.75f, 255 * s - 0.75f}, Scheme::Asymmetric, uint8,
                                         intGrid(uint8, false), Convention::Default);
    EXPECT_EQ(z.scale, s);
    EXPECT_EQ(z.zeroPoint, 2);
}

} // namespace
} // namespace qs
