// The stage after the int32 accumulators (spec §10): dequantization to float against a
// double oracle computed from the codes, the fixed-point multiplier against its real value,
// and requantization against exact double arithmetic with round-half-to-even (spec §4).
#include "common/error.h"
#include "gemm/output_stage.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <gtest/gtest.h>
#include <limits>
#include <random>
#include <span>
#include <vector>

namespace qs {
namespace {

// Codes of one small product, with everything the output stage needs computed here in
// int64 from the codes themselves (not by the GEMM under test elsewhere).
struct Product {
    std::int64_t m = 0;
    std::int64_t n = 0;
    std::int64_t k = 0;
    std::vector<std::int32_t> x; // activation codes, uint8 or int8 range
    std::vector<std::int8_t> w;
    std::vector<std::int32_t> acc;     // Σ_k x·w
    std::vector<std::int32_t> rowSums; // Σ_k w per output channel
};

Product makeProduct(std::int64_t m, std::int64_t n, std::int64_t k, int xMin, int xMax,
                    std::mt19937& rng)
{
    Product p{m, n, k, {}, {}, {}, {}};
    std::uniform_int_distribution<int> xDist(xMin, xMax);
    std::uniform_int_distribution<int> wDist(-128, 127);
    for (std::int64_t at = 0; at < m * k; ++at)
        p.x.push_back(xDist(rng));
    for (std::int64_t at = 0; at < n * k; ++at)
        p.w.push_back(static_cast<std::int8_t>(wDist(rng)));
    for (std::int64_t j = 0; j < n; ++j) {
        std::int64_t sum = 0;
        for (std::int64_t d = 0; d < k; ++d)
            sum += p.w[static_cast<std::size_t>(j * k + d)];
        p.rowSums.push_back(static_cast<std::int32_t>(sum));
    }
    for (std::int64_t i = 0; i < m; ++i) {
        for (std::int64_t j = 0; j < n; ++j) {
            std::int64_t sum = 0;
            for (std::int64_t d = 0; d < k; ++d)
                sum += std::int64_t{p.x[static_cast<std::size_t>(i * k + d)]} *
                       p.w[static_cast<std::size_t>(j * k + d)];
            p.acc.push_back(static_cast<std::int32_t>(sum));
        }
    }
    return p;
}

// Σ_k (qx - z_x)·qw: the bracket of spec §10 straight from the codes, exact in int64.
std::int64_t centredDot(const Product& p, std::int64_t i, std::int64_t j, std::int32_t zx)
{
    std::int64_t sum = 0;
    for (std::int64_t d = 0; d < p.k; ++d)
        sum += (std::int64_t{p.x[static_cast<std::size_t>(i * p.k + d)]} - zx) *
               p.w[static_cast<std::size_t>(j * p.k + d)];
    return sum;
}

float scaleOf(std::span<const float> scales, std::int64_t j)
{
    return scales.size() == 1 ? scales[0] : scales[static_cast<std::size_t>(j)];
}

// ---------------------------------------------------------------------------------------
// dequantizeOutput

TEST(DequantizeOutput, HandCheckedCase)
{
    // X = [5 1] with s_x = 0.5, z_x = 3; W rows [2 -1] and [4 3], s_w = {0.25, 2}.
    //   acc = [5·2 + 1·(-1), 5·4 + 1·3] = [9, 23];  row sums = [1, 7]
    //   Y'[0,0] = 0.5·0.25·(9 - 3·1)  = 0.125·6 = 0.75
    //   Y'[0,1] = 0.5·2   ·(23 - 3·7) = 1·2     = 2
    // Cross-check through (qx - z_x) = [2 -2]: 2·2 + (-2)(-1) = 6 and 2·4 + (-2)·3 = 2.
    // Every value is a short binary fraction, so float must give them exactly.
    const std::vector<std::int32_t> acc{9, 23};
    const std::vector<std::int32_t> rowSums{1, 7};
    const std::vector<float> scales{0.25f, 2.0f};
    std::vector<float> y(2, -1.0f);
    dequantizeOutput(acc, 1, 2, rowSums, {0.5f, 3, scales}, y);
    EXPECT_EQ(y[0], 0.75f);
    EXPECT_EQ(y[1], 2.0f);

    // Per tensor with s_w = 0.25 for both channels: 0.125·6 = 0.75 and 0.125·2 = 0.25.
    const std::vector<float> one{0.25f};
    dequantizeOutput(acc, 1, 2, rowSums, {0.5f, 3, one}, y);
    EXPECT_EQ(y[0], 0.75f);
    EXPECT_EQ(y[1], 0.25f);
}

// The result is three float32 roundings away from the exact value (the scale product, the
// bracket converted to float, the final product): within 3 units of 2^-24 relative, so 4
// leaves no room for a wrong term but some for the order of the multiplications.
constexpr double kFloatTolerance = 4.0 / (1 << 24);

void expectDequantizedNear(const Product& p, float sx, std::int32_t zx,
                           std::span<const float> scales)
{
    std::vector<float> y(p.acc.size(), std::numeric_limits<float>::quiet_NaN());
    dequantizeOutput(p.acc, p.m, p.n, p.rowSums, {sx, zx, scales}, y);
    for (std::int64_t i = 0; i < p.m; ++i) {
        for (std::int64_t j = 0; j < p.n; ++j) {
            // Σ_k s_x(qx - z_x)·s_w[j]·qw, the sum taken exactly in integers first so that
            // the oracle itself has no cancellation error.
            const double oracle = static_cast<double>(sx) *
                                  static_cast<double>(scaleOf(scales, j)) *
                                  static_cast<double>(centredDot(p, i, j, zx));
            const float got = y[static_cast<std::size_t>(i * p.n + j)];
            EXPECT_NEAR(got, oracle, kFloatTolerance * std::abs(oracle))
                << "row " << i << " column " << j << " z_x " << zx;
        }
    }
}

TEST(DequantizeOutput, PerChannelMatchesDoubleOracle)
{
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> scaleDist(1e-4f, 0.1f);
    for (std::int64_t k : {1, 64, 1000}) {
        const Product uint8Product = makeProduct(7, 19, k, 0, 255, rng);
        const Product int8Product = makeProduct(7, 19, k, -128, 127, rng);
        std::vector<float> scales(19);
        for (float& scale : scales)
            scale = scaleDist(rng);
        const float sx = scaleDist(rng);
        for (std::int32_t zx : {0, 3, 128, 255})
            expectDequantizedNear(uint8Product, sx, zx, scales);
        expectDequantizedNear(int8Product, sx, 0, scales);
    }
}

TEST(DequantizeOutput, PerTensorMatchesDoubleOracle)
{
    std::mt19937 rng(12);
    for (std::int64_t k : {1, 64, 1000}) {
        const Product uint8Product = makeProduct(5, 23, k, 0, 255, rng);
        const Product int8Product = makeProduct(5, 23, k, -128, 127, rng);
        const std::vector<float> scale{0.0137f};
        for (std::int32_t zx : {0, 77, 255})
            expectDequantizedNear(uint8Product, 0.31f, zx, scale);
        expectDequantizedNear(int8Product, 0.31f, 0, scale);
    }
}

// Brackets beyond 2^24 are not exact in float: the result may round, but only as far as
// the tolerance above allows.
TEST(DequantizeOutput, LargeBracketsStayWithinFloatRounding)
{
    const std::int64_t k = 1000;
    Product p{1, 2, k, std::vector<std::int32_t>(k, 255), {}, {}, {}};
    p.w.assign(static_cast<std::size_t>(k), 127);
    p.w.insert(p.w.end(), static_cast<std::size_t>(k), -128);
    p.rowSums = {127 * 1000, -128 * 1000};
    p.acc = {255 * 127 * 1000, 255 * -128 * 1000};
    ASSERT_GT(std::abs(centredDot(p, 0, 0, 0)), std::int64_t{1} << 24);
    const std::vector<float> scales{0.003f, 0.0071f};
    expectDequantizedNear(p, 0.023f, 0, scales);
    expectDequantizedNear(p, 0.023f, 255, scales); // the bracket collapses to exactly 0
}

// The bracket must be formed in integers before any float conversion: accumulators and
// z_x·rowSum beyond 2^24 are not floats, and a small difference of two large ones would
// come out wrong by whole units if each were rounded first.
TEST(DequantizeOutput, BracketIsExactBeforeScaling)
{
    // Column 0: (2^25 + 1) - 1·(2^25 - 2) = 3, though float(2^25 + 1) = 2^25.
    // Column 1: 255·(127·65793) = 2130706305, plus 127 in the accumulator → 127.
    // Column 2: 255·(-128·65792) = -2147450880, minus 9 in the accumulator → -9.
    // With s_x·s_w = 0.5·0.25 = 0.125 the outputs 0.375, 15.875, -1.125 are exact floats.
    const std::vector<std::int32_t> rowSums{(1 << 25) - 2, 127 * 65793, -128 * 65792};
    const std::vector<std::int32_t> zeroPoints{1, 255, 255};
    const std::vector<std::int64_t> brackets{3, 127, -9};
    const std::vector<float> scale{0.25f};
    for (std::size_t j = 0; j < rowSums.size(); ++j) {
        const std::int64_t acc64 = brackets[j] + std::int64_t{zeroPoints[j]} * rowSums[j];
        ASSERT_GT(std::abs(acc64), std::int64_t{1} << 24);
        const std::vector<std::int32_t> acc{static_cast<std::int32_t>(acc64)};
        const std::vector<std::int32_t> sum{rowSums[j]};
        std::vector<float> y(1);
        dequantizeOutput(acc, 1, 1, sum, {0.5f, zeroPoints[j], scale}, y);
        EXPECT_EQ(y[0], static_cast<float>(0.125 * static_cast<double>(brackets[j])))
            << "column " << j;
    }
}

// acc - z_x·Σ_k W[j,k] is exact in integers, so subtracting z_x·rowSum from the
// accumulators ourselves and passing z_x = 0 must give the very same floats.
TEST(DequantizeOutput, ZeroPointActsExactlyThroughRowSums)
{
    std::mt19937 rng(13);
    const Product p = makeProduct(9, 17, 200, 0, 255, rng);
    const std::vector<float> scales{0.02f, 0.5f, 0.003f, 1.25f, 0.0001f, 0.07f,
                                    0.9f,  0.4f, 0.011f, 0.3f,  0.008f,  0.6f,
                                    0.05f, 0.2f, 0.013f, 0.77f, 0.0042f};
    for (std::int32_t zx : {1, 100, 255}) {
        std::vector<std::int32_t> shifted(p.acc.size());
        for (std::int64_t i = 0; i < p.m; ++i) {
            for (std::int64_t j = 0; j < p.n; ++j) {
                const auto at = static_cast<std::size_t>(i * p.n + j);
                shifted[at] = static_cast<std::int32_t>(std::int64_t{p.acc[at]} -
                                                        std::int64_t{zx} *
                                                            p.rowSums[static_cast<std::size_t>(j)]);
            }
        }
        std::vector<float> withZero(p.acc.size());
        std::vector<float> withoutZero(p.acc.size());
        dequantizeOutput(p.acc, p.m, p.n, p.rowSums, {0.05f, zx, scales}, withZero);
        dequantizeOutput(shifted, p.m, p.n, p.rowSums, {0.05f, 0, scales}, withoutZero);
        EXPECT_EQ(withZero, withoutZero) << "z_x " << zx;
        // And the zero point does matter: row sums here are far from 0.
        std::vector<float> ignoringZero(p.acc.size());
        dequantizeOutput(p.acc, p.m, p.n, p.rowSums, {0.05f, 0, scales}, ignoringZero);
        EXPECT_NE(withZero, ignoringZero) << "z_x " << zx;
    }
}

TEST(DequantizeOutput, RefusesWrongSizes)
{
    const std::vector<std::int32_t> acc(6, 1);
    const std::vector<std::int32_t> sums(3, 1);
    const std::vector<float> scales(3, 1.0f);
    const std::vector<float> twoScales(2, 1.0f);
    std::vector<float> y(6);
    const GemmQuantParams params{1.0f, 0, scales};
    EXPECT_NO_THROW(dequantizeOutput(acc, 2, 3, sums, params, y));
    EXPECT_THROW(dequantizeOutput(std::span(acc).first(5), 2, 3, sums, params, y), UsageError);
    EXPECT_THROW(dequantizeOutput(acc, 2, 3, sums, params, std::span(y).first(5)), UsageError);
    EXPECT_THROW(dequantizeOutput(acc, 2, 3, std::span(sums).first(2), params, y), UsageError);
    EXPECT_THROW(dequantizeOutput(acc, 2, 3, sums, {1.0f, 0, twoScales}, y), UsageError);
    EXPECT_THROW(dequantizeOutput(acc, 3, 3, sums, params, y), UsageError);
}

// ---------------------------------------------------------------------------------------
// fixedPointMultiplier

constexpr std::int64_t kTwo30 = std::int64_t{1} << 30;
constexpr std::int64_t kTwo31 = std::int64_t{1} << 31;

double valueOf(const FixedPointMultiplier& fixed)
{
    return std::ldexp(static_cast<double>(fixed.multiplier), -fixed.shift); // exact
}

void expectWellFormed(const FixedPointMultiplier& fixed, double real)
{
    EXPECT_GE(fixed.multiplier, kTwo30) << real;
    EXPECT_LT(fixed.multiplier, kTwo31) << real;
    EXPECT_GE(fixed.shift, 0) << real;
    EXPECT_LE(fixed.shift, 62) << real;
    // Nearest: the multiplier is within half a step of real·2^shift (exact in double, a
    // power-of-two scaling), hence within 2^-31 relative of the real.
    EXPECT_LE(std::abs(static_cast<double>(fixed.multiplier) - std::ldexp(real, fixed.shift)), 0.5)
        << real;
    EXPECT_LE(std::abs(valueOf(fixed) - real), std::ldexp(real, -31)) << real;
}

TEST(FixedPointMultiplier, RandomRealsAreNearestAndNormalised)
{
    std::mt19937 rng(21);
    // Log-uniform over the whole usable range 2^-32 .. 2^31.
    std::uniform_real_distribution<double> exponent(-31.9, 30.9);
    for (int trial = 0; trial < 20000; ++trial) {
        const double real = std::exp2(exponent(rng));
        expectWellFormed(fixedPointMultiplier(real), real);
    }
}

TEST(FixedPointMultiplier, PowersOfTwoAreExact)
{
    // 0.5 = 2^30 · 2^-31 and 1 = 2^30 · 2^-30: the only normalised representations.
    const FixedPointMultiplier half = fixedPointMultiplier(0.5);
    EXPECT_EQ(half.multiplier, kTwo30);
    EXPECT_EQ(half.shift, 31);
    const FixedPointMultiplier one = fixedPointMultiplier(1.0);
    EXPECT_EQ(one.multiplier, kTwo30);
    EXPECT_EQ(one.shift, 30);
    for (int e = -32; e <= 30; ++e) {
        const double real = std::ldexp(1.0, e);
        const FixedPointMultiplier fixed = fixedPointMultiplier(real);
        EXPECT_EQ(valueOf(fixed), real) << "2^" << e;
        expectWellFormed(fixed, real);
    }
}

TEST(FixedPointMultiplier, JustBelowPowerOfTwoRoundsUpToIt)
{
    // 1 - 2^-40 needs 40 bits; its nearest 31-bit multiplier is 2^31, which does not fit
    // and must become 2^30 with one less shift.
    for (int e : {-20, -1, 0, 1, 12, 30}) {
        const double real = std::ldexp(1.0 - std::ldexp(1.0, -40), e);
        const FixedPointMultiplier fixed = fixedPointMultiplier(real);
        EXPECT_EQ(fixed.multiplier, kTwo30) << e;
        EXPECT_EQ(valueOf(fixed), std::ldexp(1.0, e)) << e;
        expectWellFormed(fixed, real);
    }
    // 1 - 2^-31 is representable: 2^31 - 1 with shift 31, exactly.
    const double justBelow = 1.0 - std::ldexp(1.0, -31);
    const FixedPointMultiplier fixed = fixedPointMultiplier(justBelow);
    EXPECT_EQ(fixed.multiplier, kTwo31 - 1);
    EXPECT_EQ(valueOf(fixed), justBelow);
}

TEST(FixedPointMultiplier, RangeEnds)
{
    // The largest: 2^31 - 1 with shift 0. The smallest: 2^-32 = 2^30 · 2^-62.
    EXPECT_EQ(valueOf(fixedPointMultiplier(2147483647.0)), 2147483647.0);
    EXPECT_EQ(fixedPointMultiplier(2147483647.0).shift, 0);
    EXPECT_EQ(valueOf(fixedPointMultiplier(std::ldexp(1.0, -32))), std::ldexp(1.0, -32));
    EXPECT_EQ(fixedPointMultiplier(std::ldexp(1.0, -32)).shift, 62);
    // 2^31 itself would need a negative shift; a value well below 2^-32 a shift past 62.
    EXPECT_THROW(fixedPointMultiplier(std::ldexp(1.0, 31)), UsageError);
    EXPECT_THROW(fixedPointMultiplier(std::ldexp(1.0 - std::ldexp(1.0, -20), -32)), UsageError);
}

TEST(FixedPointMultiplier, RefusesNonPositiveNonFiniteAndOutOfRange)
{
    EXPECT_THROW(fixedPointMultiplier(0.0), UsageError);
    EXPECT_THROW(fixedPointMultiplier(-0.0), UsageError);
    EXPECT_THROW(fixedPointMultiplier(-0.5), UsageError);
    EXPECT_THROW(fixedPointMultiplier(std::numeric_limits<double>::quiet_NaN()), UsageError);
    EXPECT_THROW(fixedPointMultiplier(std::numeric_limits<double>::infinity()), UsageError);
    EXPECT_THROW(fixedPointMultiplier(-std::numeric_limits<double>::infinity()), UsageError);
    EXPECT_THROW(fixedPointMultiplier(1e-30), UsageError);
    EXPECT_THROW(fixedPointMultiplier(std::numeric_limits<double>::denorm_min()), UsageError);
    EXPECT_THROW(fixedPointMultiplier(std::ldexp(1.0, 40)), UsageError);
    EXPECT_THROW(fixedPointMultiplier(std::numeric_limits<double>::max()), UsageError);
}

// ---------------------------------------------------------------------------------------
// applyMultiplier

TEST(ApplyMultiplier, HalvesRoundTiesToEven)
{
    const FixedPointMultiplier half{static_cast<std::int32_t>(kTwo30), 31}; // exactly 0.5
    // ±1.5 → ±2, ±2.5 → ±2, ±0.5 → 0, ±3.5 → ±4: half to even, symmetric in sign.
    EXPECT_EQ(applyMultiplier(3, half), 2);
    EXPECT_EQ(applyMultiplier(-3, half), -2);
    EXPECT_EQ(applyMultiplier(5, half), 2);
    EXPECT_EQ(applyMultiplier(-5, half), -2);
    EXPECT_EQ(applyMultiplier(1, half), 0);
    EXPECT_EQ(applyMultiplier(-1, half), 0);
    EXPECT_EQ(applyMultiplier(7, half), 4);
    EXPECT_EQ(applyMultiplier(-7, half), -4);
    EXPECT_EQ(applyMultiplier(0, half), 0);
    EXPECT_EQ(applyMultiplier(4, half), 2);
    EXPECT_EQ(applyMultiplier(-4, half), -2);
    // The same through fixedPointMultiplier(0.5).
    EXPECT_EQ(applyMultiplier(5, fixedPointMultiplier(0.5)), 2);
    EXPECT_EQ(applyMultiplier(-3, fixedPointMultiplier(0.5)), -2);
}

// value·multiplier < 2^51 is exact in double, the power-of-two scaling too, and
// std::nearbyint rounds half to even: an exact oracle built without integer tricks.
double doubleOracle(std::int64_t value, const FixedPointMultiplier& fixed)
{
    const double product = static_cast<double>(value) * static_cast<double>(fixed.multiplier);
    return std::nearbyint(std::ldexp(product, -fixed.shift));
}

TEST(ApplyMultiplier, MatchesDoubleOracleOnRandomValues)
{
    std::mt19937 rng(31);
    std::uniform_int_distribution<std::int64_t> value(-(std::int64_t{1} << 20) + 1,
                                                      (std::int64_t{1} << 20) - 1);
    std::uniform_int_distribution<std::int64_t> multiplier(kTwo30, kTwo31 - 1);
    std::uniform_int_distribution<int> shift(0, 62);
    for (int trial = 0; trial < 50000; ++trial) {
        const FixedPointMultiplier fixed{static_cast<std::int32_t>(multiplier(rng)), shift(rng)};
        const std::int64_t v = value(rng);
        ASSERT_EQ(static_cast<double>(applyMultiplier(v, fixed)), doubleOracle(v, fixed))
            << v << " · " << fixed.multiplier << " · 2^-" << fixed.shift;
    }
}

// Random products cut exactly at their lowest set bit: every case is a tie, in both signs
// and at every shift the product allows.
TEST(ApplyMultiplier, MatchesDoubleOracleOnExactTies)
{
    std::mt19937 rng(32);
    std::uniform_int_distribution<std::int64_t> value(1, (std::int64_t{1} << 20) - 1);
    std::uniform_int_distribution<std::int64_t> multiplier(kTwo30, kTwo31 - 1);
    int rounded[2] = {0, 0}; // ties that went down, and up, in magnitude
    for (int trial = 0; trial < 20000; ++trial) {
        const std::int64_t v = value(rng);
        const auto m = static_cast<std::int32_t>(multiplier(rng));
        const int shift = std::countr_zero(static_cast<std::uint64_t>(v * m)) + 1;
        ASSERT_LE(shift, 62);
        const FixedPointMultiplier fixed{m, shift};
        for (std::int64_t signedValue : {v, -v}) {
            const std::int64_t got = applyMultiplier(signedValue, fixed);
            ASSERT_EQ(static_cast<double>(got), doubleOracle(signedValue, fixed))
                << signedValue << " · " << m << " · 2^-" << shift;
            EXPECT_EQ(got % 2, 0) << "a tie must land on an even number";
        }
        const double magnitude = std::ldexp(static_cast<double>(v) * m, -shift);
        ++rounded[static_cast<double>(applyMultiplier(v, fixed)) > magnitude ? 1 : 0];
    }
    // Both directions occur, so neither "always up" nor "always down" could pass.
    EXPECT_GT(rounded[0], 1000);
    EXPECT_GT(rounded[1], 1000);
}

// Requantization brackets reach 2^39 (z_x·Σ W with z_x up to 255): products up to 2^64
// are still exact in x87 long double.
TEST(ApplyMultiplier, MatchesLongDoubleOracleOnLargeValues)
{
    if constexpr (std::numeric_limits<long double>::digits < 64) {
        GTEST_SKIP() << "long double cannot hold a 64-bit product exactly here";
    } else {
        std::mt19937 rng(33);
        std::uniform_int_distribution<std::int64_t> value(-(std::int64_t{1} << 33),
                                                          std::int64_t{1} << 33);
        std::uniform_int_distribution<std::int64_t> multiplier(kTwo30, kTwo31 - 1);
        std::uniform_int_distribution<int> shift(31, 62);
        for (int trial = 0; trial < 20000; ++trial) {
            const FixedPointMultiplier fixed{static_cast<std::int32_t>(multiplier(rng)),
                                             shift(rng)};
            const std::int64_t v = value(rng);
            const long double product =
                static_cast<long double>(v) * static_cast<long double>(fixed.multiplier);
            const long double want = std::nearbyint(std::ldexp(product, -fixed.shift));
            ASSERT_EQ(static_cast<long double>(applyMultiplier(v, fixed)), want)
                << v << " · " << fixed.multiplier << " · 2^-" << fixed.shift;
        }
    }
}

// ---------------------------------------------------------------------------------------
// requantizeOutput

TEST(RequantizeOutput, HandCheckedCase)
{
    // The dequantize case above (Y' = [0.75, 2]) with s_y = 0.25, z_y = 10:
    //   M_0 = 0.5·0.25/0.25 = 0.5, M_1 = 0.5·2/0.25 = 4 (both exact in fixed point)
    //   q_y = [10 + 6·0.5, 10 + 2·4] = [13, 18]
    const std::vector<std::int32_t> acc{9, 23};
    const std::vector<std::int32_t> rowSums{1, 7};
    const std::vector<float> scales{0.25f, 2.0f};
    std::vector<std::int32_t> codes(2, -999);
    requantizeOutput(acc, 1, 2, rowSums, {0.5f, 3, scales}, {0.25f, 10, -128, 127}, codes);
    EXPECT_EQ(codes, (std::vector<std::int32_t>{13, 18}));
}

TEST(RequantizeOutput, RoundsTiesToEven)
{
    // M = 1·0.5/1 = 0.5 on brackets 5, 7, -5, -3, 1: 2.5 → 2, 3.5 → 4, -2.5 → -2,
    // -1.5 → -2, 0.5 → 0.
    const std::vector<std::int32_t> acc{5, 7, -5, -3, 1};
    const std::vector<std::int32_t> rowSums{42};
    const std::vector<float> scale{0.5f};
    std::vector<std::int32_t> codes(5);
    requantizeOutput(acc, 5, 1, rowSums, {1.0f, 0, scale}, {1.0f, 0, -128, 127}, codes);
    EXPECT_EQ(codes, (std::vector<std::int32_t>{2, 4, -2, -2, 0}));
}

struct Grid {
    std::int32_t zeroPoint;
    std::int32_t qmin;
    std::int32_t qmax;
};

// The output scale that maps the largest |Y'| of the product to `reach` grid steps, so
// that the outputs spread past both ends of the grid whatever the zero points.
float outScaleReaching(const Product& p, float sx, std::int32_t zx, std::span<const float> scales,
                       double reach)
{
    double largest = 0;
    for (std::int64_t i = 0; i < p.m; ++i) {
        for (std::int64_t j = 0; j < p.n; ++j) {
            const double y = static_cast<double>(sx) * scaleOf(scales, j) *
                             static_cast<double>(centredDot(p, i, j, zx));
            largest = std::max(largest, std::abs(y));
        }
    }
    return static_cast<float>(largest / reach);
}

// Random codes; every output against nearbyint(bracket·m_exact) in double, with m_exact the
// fixed-point multiplier's exact value, and within 1 of rounding with the real multiplier.
void expectRequantized(const Product& p, float sx, std::int32_t zx, std::span<const float> scales,
                       const Grid& grid)
{
    const float sy = outScaleReaching(p, sx, zx, scales, 1.5 * (grid.qmax - grid.qmin));
    std::vector<std::int32_t> codes(p.acc.size(), std::numeric_limits<std::int32_t>::min());
    requantizeOutput(p.acc, p.m, p.n, p.rowSums, {sx, zx, scales},
                     {sy, grid.zeroPoint, grid.qmin, grid.qmax}, codes);
    int low = 0;
    int high = 0;
    int inside = 0;
    for (std::int64_t j = 0; j < p.n; ++j) {
        const double real = static_cast<double>(sx) * scaleOf(scales, j) / sy;
        const double exact = valueOf(fixedPointMultiplier(real));
        for (std::int64_t i = 0; i < p.m; ++i) {
            const std::int64_t bracket = centredDot(p, i, j, zx);
            ASSERT_LT(std::abs(bracket), std::int64_t{1} << 22); // keeps bracket·m < 2^53
            const auto clampToGrid = [&](double value) {
                return std::clamp(grid.zeroPoint + value, double(grid.qmin), double(grid.qmax));
            };
            const double want = clampToGrid(std::nearbyint(static_cast<double>(bracket) * exact));
            const double ideal = clampToGrid(std::nearbyint(static_cast<double>(bracket) * real));
            const std::int32_t got = codes[static_cast<std::size_t>(i * p.n + j)];
            EXPECT_EQ(static_cast<double>(got), want) << "row " << i << " column " << j;
            EXPECT_LE(std::abs(got - ideal), 1.0) << "row " << i << " column " << j;
            EXPECT_GE(got, grid.qmin);
            EXPECT_LE(got, grid.qmax);
            low += got == grid.qmin;
            high += got == grid.qmax;
            inside += got > grid.qmin && got < grid.qmax;
        }
    }
    // The data must exercise both clamps and the interior, or the test proves little.
    EXPECT_GT(low, 0) << "z_x " << zx << " z_y " << grid.zeroPoint;
    EXPECT_GT(high, 0) << "z_x " << zx << " z_y " << grid.zeroPoint;
    EXPECT_GT(inside, p.m * p.n / 4) << "z_x " << zx << " z_y " << grid.zeroPoint;
}

TEST(RequantizeOutput, Uint8ActivationsToInt8AndUint8Grids)
{
    std::mt19937 rng(41);
    // K = 48: |bracket| ≤ 48·255·128 < 2^21, so the double oracle is exact.
    const Product p = makeProduct(16, 21, 48, 0, 255, rng);
    std::uniform_real_distribution<float> scaleDist(0.002f, 0.03f);
    std::vector<float> perChannel(21);
    for (float& scale : perChannel)
        scale = scaleDist(rng);
    const std::vector<float> perTensor{0.012f};
    for (std::int32_t zx : {0, 37, 128, 255}) {
        for (std::span<const float> scales :
             {std::span<const float>(perChannel), std::span<const float>(perTensor)}) {
            expectRequantized(p, 0.02f, zx, scales, {0, -128, 127});
            expectRequantized(p, 0.02f, zx, scales, {-7, -128, 127});
            expectRequantized(p, 0.02f, zx, scales, {128, 0, 255});
            expectRequantized(p, 0.02f, zx, scales, {31, 0, 255});
        }
    }
}

TEST(RequantizeOutput, Int8ActivationsToInt8AndUint8Grids)
{
    std::mt19937 rng(42);
    const Product p = makeProduct(16, 21, 48, -128, 127, rng);
    std::uniform_real_distribution<float> scaleDist(0.002f, 0.03f);
    std::vector<float> perChannel(21);
    for (float& scale : perChannel)
        scale = scaleDist(rng);
    expectRequantized(p, 0.02f, 0, perChannel, {0, -128, 127});
    expectRequantized(p, 0.02f, 0, perChannel, {128, 0, 255});
}

TEST(RequantizeOutput, RefusesWrongSizesAndBadParameters)
{
    const std::vector<std::int32_t> acc(6, 1);
    const std::vector<std::int32_t> sums(3, 1);
    const std::vector<float> scales(3, 1.0f);
    const std::vector<float> twoScales(2, 1.0f);
    std::vector<std::int32_t> codes(6);
    const GemmQuantParams params{1.0f, 0, scales};
    const RequantizeParams out{1.0f, 0, -128, 127};
    EXPECT_NO_THROW(requantizeOutput(acc, 2, 3, sums, params, out, codes));
    EXPECT_THROW(requantizeOutput(std::span(acc).first(5), 2, 3, sums, params, out, codes),
                 UsageError);
    EXPECT_THROW(requantizeOutput(acc, 2, 3, sums, params, out, std::span(codes).first(5)),
                 UsageError);
    EXPECT_THROW(requantizeOutput(acc, 2, 3, std::span(sums).first(2), params, out, codes),
                 UsageError);
    EXPECT_THROW(requantizeOutput(acc, 2, 3, sums, {1.0f, 0, twoScales}, out, codes), UsageError);
    EXPECT_THROW(requantizeOutput(acc, 3, 3, sums, params, out, codes), UsageError);
    EXPECT_THROW(requantizeOutput(acc, 2, 3, sums, params, {1.0f, 0, 5, 4}, codes), UsageError);
    // Output scales that leave no positive finite multiplier.
    EXPECT_THROW(requantizeOutput(acc, 2, 3, sums, params, {0.0f, 0, -128, 127}, codes),
                 UsageError);
    EXPECT_THROW(requantizeOutput(acc, 2, 3, sums, params, {-1.0f, 0, -128, 127}, codes),
                 UsageError);
    EXPECT_THROW(requantizeOutput(acc, 2, 3, sums, params,
                                  {std::numeric_limits<float>::quiet_NaN(), 0, -128, 127}, codes),
                 UsageError);
}

} // namespace
} // namespace qs

namespace qs {
namespace {

TEST(ApplyMultiplierRange, SaturatesInsteadOfWrapping)
{
    const FixedPointMultiplier large = fixedPointMultiplier(std::ldexp(1.0, 30)); // shift 0
    ASSERT_EQ(large.shift, 0);
    EXPECT_EQ(applyMultiplier(std::int64_t{1} << 40, large),
              std::numeric_limits<std::int64_t>::max());
    EXPECT_EQ(applyMultiplier(-(std::int64_t{1} << 40), large),
              std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(applyMultiplier(3, large), std::int64_t{3} << 30); // in range: exact
}

} // namespace
} // namespace qs
