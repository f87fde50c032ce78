// The packed int8 GEMM paths against the plain triple loop (spec §10: accumulators must be
// bit-identical to a naive loop), on shapes that hit every edge of the blocking (4-row
// tiles, 16-channel panels, 256-pair depth blocks, 128-row blocks), on the extreme codes
// that break engines built on saturating int16 pair sums, and on thread counts.
#include "common/cpu_features.h"
#include "common/error.h"
#include "gemm/gemm_kernel.h"
#include "gemm/int8_gemm.h"
#include "gemm/packed_weights.h"

#include <algorithm>
#include <cstdint>
#include <gtest/gtest.h>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace qs {
namespace {

// A value no correct path writes by accident into a cell: an unwritten cell shows up as a
// mismatch against the reference.
constexpr std::int32_t kSentinel = 0x5a5a5a5a;

enum class Acts { Uint8, Int8 };

template <typename Code> std::vector<Code> randomCodes(std::size_t count, std::mt19937& rng)
{
    std::uniform_int_distribution<int> dist(std::numeric_limits<Code>::min(),
                                            std::numeric_limits<Code>::max());
    std::vector<Code> codes(count);
    for (Code& code : codes)
        code = static_cast<Code>(dist(rng));
    return codes;
}

// Σ_k x[i,k]·w[j,k] in int64: an oracle that cannot overflow, independent of both the
// kernels and gemmInt32Reference.
template <typename Code>
std::vector<std::int64_t> exactProduct(const std::vector<Code>& x,
                                       const std::vector<std::int8_t>& w, std::int64_t m,
                                       std::int64_t n, std::int64_t k)
{
    std::vector<std::int64_t> out(static_cast<std::size_t>(m * n), 0);
    for (std::int64_t i = 0; i < m; ++i) {
        for (std::int64_t j = 0; j < n; ++j) {
            std::int64_t sum = 0;
            for (std::int64_t d = 0; d < k; ++d)
                sum += std::int64_t{x[static_cast<std::size_t>(i * k + d)]} *
                       w[static_cast<std::size_t>(j * k + d)];
            out[static_cast<std::size_t>(i * n + j)] = sum;
        }
    }
    return out;
}

template <typename Code>
std::vector<std::int32_t> referenceProduct(const std::vector<Code>& x,
                                           const std::vector<std::int8_t>& w, std::int64_t m,
                                           std::int64_t n, std::int64_t k)
{
    std::vector<std::int32_t> acc(static_cast<std::size_t>(m * n), kSentinel);
    gemmInt32Reference(std::span<const Code>(x), w, m, n, k, acc);
    return acc;
}

template <typename Code>
std::vector<std::int32_t> packedProduct(const std::vector<Code>& x, std::int64_t m,
                                        const PackedWeights& weights,
                                        const GemmOptions& options = {})
{
    std::vector<std::int32_t> acc(static_cast<std::size_t>(m * weights.n()), kSentinel);
    gemmInt32(std::span<const Code>(x), m, weights, acc, options);
    return acc;
}

// Compares cell by cell but reports only the first mismatch, so a broken tile does not
// flood the log with thousands of lines.
::testing::AssertionResult sameAccumulators(const std::vector<std::int32_t>& got,
                                            const std::vector<std::int32_t>& want, std::int64_t n)
{
    if (got.size() != want.size())
        return ::testing::AssertionFailure() << "sizes " << got.size() << " vs " << want.size();
    for (std::size_t at = 0; at < got.size(); ++at) {
        if (got[at] != want[at]) {
            return ::testing::AssertionFailure()
                   << "first mismatch at row " << static_cast<std::int64_t>(at) / n << ", column "
                   << static_cast<std::int64_t>(at) % n << ": got " << got[at] << ", want "
                   << want[at];
        }
    }
    return ::testing::AssertionSuccess();
}

::testing::AssertionResult sameAsExact(const std::vector<std::int32_t>& got,
                                       const std::vector<std::int64_t>& want, std::int64_t n)
{
    if (got.size() != want.size())
        return ::testing::AssertionFailure() << "sizes " << got.size() << " vs " << want.size();
    for (std::size_t at = 0; at < got.size(); ++at) {
        if (std::int64_t{got[at]} != want[at]) {
            return ::testing::AssertionFailure()
                   << "first mismatch at row " << static_cast<std::int64_t>(at) / n << ", column "
                   << static_cast<std::int64_t>(at) % n << ": got " << got[at] << ", exact "
                   << want[at];
        }
    }
    return ::testing::AssertionSuccess();
}

using GemmParam = std::tuple<GemmKernel, Acts>;

class GemmKernelTest : public ::testing::TestWithParam<GemmParam> {
protected:
    GemmKernel kernel() const { return std::get<0>(GetParam()); }
    Acts acts() const { return std::get<1>(GetParam()); }

    // Runs `body` with a value of the activation code type under test.
    template <typename Body> void withCodeType(Body&& body) const
    {
        if (acts() == Acts::Uint8)
            body(std::uint8_t{});
        else
            body(std::int8_t{});
    }

    // Full-range random codes on both sides; the packed path must equal the reference.
    void expectMatchesReference(std::int64_t m, std::int64_t n, std::int64_t k,
                                std::uint32_t seed) const
    {
        withCodeType([&](auto tag) {
            using Code = decltype(tag);
            std::mt19937 rng(seed);
            const auto x = randomCodes<Code>(static_cast<std::size_t>(m * k), rng);
            const auto w = randomCodes<std::int8_t>(static_cast<std::size_t>(n * k), rng);
            const PackedWeights packed(w, n, k, kernel());
            EXPECT_TRUE(
                sameAccumulators(packedProduct(x, m, packed), referenceProduct(x, w, m, n, k), n))
                << "M=" << m << " N=" << n << " K=" << k << " seed=" << seed;
        });
    }

    // Constant or patterned codes: the packed path, the reference and the int64 oracle.
    template <typename Code>
    void expectExact(const std::vector<Code>& x, const std::vector<std::int8_t>& w, std::int64_t m,
                     std::int64_t n, std::int64_t k) const
    {
        const auto exact = exactProduct(x, w, m, n, k);
        const PackedWeights packed(w, n, k, kernel());
        EXPECT_TRUE(sameAsExact(packedProduct(x, m, packed), exact, n)) << "K=" << k;
        EXPECT_TRUE(sameAsExact(referenceProduct(x, w, m, n, k), exact, n)) << "K=" << k;
    }
};

std::string paramName(const ::testing::TestParamInfo<GemmParam>& info)
{
    return std::string(toString(std::get<0>(info.param))) +
           (std::get<1>(info.param) == Acts::Uint8 ? "_uint8" : "_int8");
}

// Every tile remainder (1..3 rows of 4), panel remainder (1..15 of 16), odd depth, and
// each of them just below, at and just past a multiple.
TEST_P(GemmKernelTest, SmallShapesCrossProductMatchReference)
{
    const std::vector<std::int64_t> sizes{1, 2, 3, 5, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65};
    std::uint32_t seed = 1;
    for (std::int64_t m : sizes) {
        for (std::int64_t n : sizes) {
            for (std::int64_t k : sizes)
                expectMatchesReference(m, n, k, seed++);
        }
    }
}

// The kernel blocks the depth by 256 pairs (512 codes) and accumulates into the output
// after the first block: depths around one, two and four blocks, odd ones included. Row
// blocks of at most one 4-row tile stream the whole depth at once instead, so both sides
// of that threshold are here.
TEST_P(GemmKernelTest, DepthBlockEdgesMatchReference)
{
    const std::vector<std::int64_t> depths{511, 512, 513, 1023, 1024, 1025, 2049};
    const std::vector<std::pair<std::int64_t, std::int64_t>> shapes{
        {1, 1}, {3, 17}, {4, 16}, {5, 33}, {8, 3}};
    std::uint32_t seed = 1000;
    for (std::int64_t k : depths) {
        for (const auto& [m, n] : shapes)
            expectMatchesReference(m, n, k, seed++);
    }
}

// Rows are processed in blocks of 128: one past a block, one past two, and a ragged third.
TEST_P(GemmKernelTest, RowBlockEdgesMatchReference)
{
    std::uint32_t seed = 2000;
    for (std::int64_t m : {127, 128, 129, 257, 300}) {
        for (std::int64_t n : {16, 47}) {
            for (std::int64_t k : {33, 513})
                expectMatchesReference(m, n, k, seed++);
        }
    }
}

// An unoptimised sanitizer build runs the plain loops some 20 times slower: there the first
// 40 of the 150 shapes keep this suite well under a minute; optimised builds run them all.
#if defined(NDEBUG) && !defined(__SANITIZE_ADDRESS__)
constexpr std::uint32_t kRandomShapes = 150;
#else
constexpr std::uint32_t kRandomShapes = 40;
#endif

TEST_P(GemmKernelTest, RandomShapesMatchReference)
{
    std::mt19937 shapes(20240611);
    std::uniform_int_distribution<std::int64_t> size(1, 300);
    for (std::uint32_t trial = 0; trial < kRandomShapes; ++trial) {
        const std::int64_t m = size(shapes);
        const std::int64_t n = size(shapes);
        const std::int64_t k = size(shapes);
        expectMatchesReference(m, n, k, 3000 + trial);
    }
}

TEST_P(GemmKernelTest, LargeSquareMatchesReference)
{
    expectMatchesReference(300, 300, 300, 4000);
}

// 255·(-128) + 255·(-128) = -65280 does not fit an int16: a saturating pair sum
// (vpmaddubsw) would be wrong here for uint8. For int8, (-128)·(-128)·2 = 32768 is one past
// int16's maximum. Constant rows at the extremes of both grids, at depths around a block.
TEST_P(GemmKernelTest, ExtremeConstantCodesAreExact)
{
    withCodeType([&](auto tag) {
        using Code = decltype(tag);
        constexpr Code lo = std::numeric_limits<Code>::min();
        constexpr Code hi = std::numeric_limits<Code>::max();
        for (std::int64_t k : {1, 2, 3, 511, 512, 513, 1025}) {
            // Row j of W is constant: -128, 127, 0, -1; rows of X constant: lo, hi.
            const std::vector<std::int8_t> rowValues{-128, 127, 0, -1};
            const auto n = static_cast<std::int64_t>(rowValues.size());
            std::vector<std::int8_t> w;
            for (std::int8_t value : rowValues)
                w.insert(w.end(), static_cast<std::size_t>(k), value);
            std::vector<Code> x(static_cast<std::size_t>(k), lo);
            x.insert(x.end(), static_cast<std::size_t>(k), hi);
            expectExact(x, w, 2, n, k);
        }
    });
}

// Signs alternating per code, per pair and per channel: pair sums that cancel exactly and
// pair sums that reinforce, so both halves of every packed pair are checked.
TEST_P(GemmKernelTest, AlternatingSignPatternsAreExact)
{
    withCodeType([&](auto tag) {
        using Code = decltype(tag);
        constexpr Code lo = std::numeric_limits<Code>::min();
        constexpr Code hi = std::numeric_limits<Code>::max();
        const std::int64_t m = 5;
        const std::int64_t n = 19;
        for (std::int64_t k : {7, 64, 513}) {
            std::vector<std::int8_t> w(static_cast<std::size_t>(n * k));
            for (std::int64_t j = 0; j < n; ++j) {
                for (std::int64_t d = 0; d < k; ++d) {
                    // Per code, per pair, or per pair shifted by the channel's parity.
                    const std::int64_t phase = j % 3 == 0 ? d : j % 3 == 1 ? d / 2 : d / 2 + j;
                    w[static_cast<std::size_t>(j * k + d)] = phase % 2 == 0 ? -128 : 127;
                }
            }
            std::vector<Code> x(static_cast<std::size_t>(m * k));
            for (std::int64_t i = 0; i < m; ++i) {
                for (std::int64_t d = 0; d < k; ++d) {
                    // Constant, then per code and per pair, each in both phases.
                    const std::int64_t phases[] = {0, d, d / 2, d + 1, d / 2 + 1};
                    const std::int64_t phase = phases[i];
                    x[static_cast<std::size_t>(i * k + d)] = phase % 2 == 0 ? hi : lo;
                }
            }
            expectExact(x, w, m, n, k);
        }
    });
}

// At the largest allowed depth the accumulators come within 128 of int32's limits (for
// uint8 255·(-128)·K ≥ -2^31); every partial sum must stay exact.
TEST_P(GemmKernelTest, MaximumDepthIsExact)
{
    withCodeType([&](auto tag) {
        using Code = decltype(tag);
        const std::int64_t k = maxGemmDepth();
        const std::int64_t n = 3;
        // Channel 0: all -128; channel 1: all 127; channel 2: alternating -128, 127.
        std::vector<std::int8_t> w(static_cast<std::size_t>(n * k));
        for (std::int64_t d = 0; d < k; ++d) {
            w[static_cast<std::size_t>(d)] = -128;
            w[static_cast<std::size_t>(k + d)] = 127;
            w[static_cast<std::size_t>(2 * k + d)] = d % 2 == 0 ? -128 : 127;
        }
        // The activation of largest magnitude: 255 for uint8, -128 for int8.
        const Code extreme = std::is_signed_v<Code> ? std::numeric_limits<Code>::min()
                                                    : std::numeric_limits<Code>::max();
        const std::vector<Code> x(static_cast<std::size_t>(k), extreme);

        const std::int64_t pairs = k / 2;
        const std::int64_t odd = k % 2; // the last code, a -128 in channel 2
        const std::vector<std::int64_t> closedForm{k * extreme * -128, k * extreme * 127,
                                                   (pairs * (-128 + 127) + odd * -128) * extreme};
        // maxGemmDepth() must keep the extreme channel inside int32, or no path could be exact.
        EXPECT_GE(closedForm[0], std::numeric_limits<std::int32_t>::min());
        EXPECT_LE(closedForm[0], std::numeric_limits<std::int32_t>::max());
        // The closed form checks the packed path directly; expectExact adds the reference and
        // the loop oracle.
        const PackedWeights packed(w, n, k, kernel());
        const auto acc = packedProduct(x, 1, packed);
        for (std::int64_t j = 0; j < n; ++j)
            EXPECT_EQ(acc[static_cast<std::size_t>(j)], closedForm[static_cast<std::size_t>(j)])
                << "channel " << j;
        expectExact(x, w, 1, n, k);
    });
}

// Documents the trap the AVX2 path avoids: with int16 pair sums that saturate, the result
// below would be the saturated emulation, not the exact product.
TEST_P(GemmKernelTest, PairSumsDoNotSaturateToInt16)
{
    withCodeType([&](auto tag) {
        using Code = decltype(tag);
        // uint8: 255 × -128 (vpmaddubsw's u8·s8); int8: -128 × -128, one past int16 max.
        const Code xValue = std::is_signed_v<Code> ? Code(-128) : Code(255);
        const std::int8_t wValue = -128;
        for (std::int64_t k : {2, 512, 1024}) {
            const std::vector<Code> x(static_cast<std::size_t>(k), xValue);
            const std::vector<std::int8_t> w(static_cast<std::size_t>(k), wValue);
            const std::int64_t pairSum = std::int64_t{xValue} * wValue * 2;
            const std::int64_t saturatedPair =
                std::clamp<std::int64_t>(pairSum, std::numeric_limits<std::int16_t>::min(),
                                         std::numeric_limits<std::int16_t>::max());
            const std::int64_t saturated = saturatedPair * (k / 2);
            const std::int64_t exact = pairSum * (k / 2);
            // 255·(-128)·2 = -65280 clamps to -32768; (-128)·(-128)·2 = 32768 to 32767.

            const PackedWeights packed(w, 1, k, kernel());
            const auto acc = packedProduct(x, 1, packed);
            EXPECT_EQ(acc[0], exact) << "K=" << k;
            EXPECT_NE(acc[0], saturated) << "K=" << k;
        }
    });
}

// Work is split over row blocks and panels; the split must not change a single bit.
TEST_P(GemmKernelTest, ThreadCountDoesNotChangeResults)
{
    withCodeType([&](auto tag) {
        using Code = decltype(tag);
        const std::int64_t m = 300; // three row blocks of 128
        const std::int64_t n = 100; // seven panels, the last ragged
        const std::int64_t k = 600; // two depth blocks
        std::mt19937 rng(5000);
        const auto x = randomCodes<Code>(static_cast<std::size_t>(m * k), rng);
        const auto w = randomCodes<std::int8_t>(static_cast<std::size_t>(n * k), rng);
        const PackedWeights packed(w, n, k, kernel());
        const auto one = packedProduct(x, m, packed, GemmOptions{1});
        const auto two = packedProduct(x, m, packed, GemmOptions{2});
        const auto all = packedProduct(x, m, packed, GemmOptions{0});
        EXPECT_TRUE(sameAccumulators(two, one, n));
        EXPECT_TRUE(sameAccumulators(all, one, n));
        EXPECT_TRUE(sameAccumulators(one, referenceProduct(x, w, m, n, k), n));
    });
}

// Packed weights are reusable: two products with one packing equal two fresh references.
TEST_P(GemmKernelTest, PackedWeightsAreReusable)
{
    withCodeType([&](auto tag) {
        using Code = decltype(tag);
        const std::int64_t n = 21;
        const std::int64_t k = 77;
        std::mt19937 rng(5100);
        const auto w = randomCodes<std::int8_t>(static_cast<std::size_t>(n * k), rng);
        const PackedWeights packed(w, n, k, kernel());
        for (std::int64_t m : {9, 2}) {
            const auto x = randomCodes<Code>(static_cast<std::size_t>(m * k), rng);
            EXPECT_TRUE(
                sameAccumulators(packedProduct(x, m, packed), referenceProduct(x, w, m, n, k), n));
        }
    });
}

TEST_P(GemmKernelTest, RowSumsAreCodeSumsPerChannel)
{
    std::mt19937 rng(6000);
    for (auto [n, k] : std::vector<std::pair<std::int64_t, std::int64_t>>{
             {1, 1}, {17, 3}, {33, 513}, {2, maxGemmDepth()}}) {
        auto w = randomCodes<std::int8_t>(static_cast<std::size_t>(n * k), rng);
        if (k == maxGemmDepth()) { // the largest-magnitude sums: a row of -128, one of 127
            std::fill(w.begin(), w.begin() + k, std::int8_t{-128});
            std::fill(w.begin() + k, w.end(), std::int8_t{127});
        }
        const PackedWeights packed(w, n, k, kernel());
        EXPECT_EQ(packed.n(), n);
        EXPECT_EQ(packed.k(), k);
        EXPECT_EQ(packed.kernel(), kernel());
        ASSERT_EQ(packed.rowSums().size(), static_cast<std::size_t>(n));
        for (std::int64_t j = 0; j < n; ++j) {
            std::int64_t sum = 0;
            for (std::int64_t d = 0; d < k; ++d)
                sum += w[static_cast<std::size_t>(j * k + d)];
            EXPECT_EQ(packed.rowSums()[static_cast<std::size_t>(j)], sum)
                << "N=" << n << " K=" << k << " row " << j;
        }
    }
}

TEST_P(GemmKernelTest, PackedWeightsRefuseBadShapes)
{
    const std::vector<std::int8_t> none;
    const std::vector<std::int8_t> six(6, 1);
    EXPECT_THROW(PackedWeights(none, 0, 3, kernel()), UsageError);
    EXPECT_THROW(PackedWeights(none, 2, 0, kernel()), UsageError);
    EXPECT_THROW(PackedWeights(none, -1, 3, kernel()), UsageError);
    EXPECT_THROW(PackedWeights(six, 2, 2, kernel()), UsageError); // 4 expected
    EXPECT_THROW(PackedWeights(six, 2, 4, kernel()), UsageError); // 8 expected
    EXPECT_NO_THROW(PackedWeights(six, 2, 3, kernel()));
    EXPECT_NO_THROW(PackedWeights(six, 3, 2, kernel()));

    // One past the depth whose int32 accumulators are guaranteed exact, with a matching
    // code count so that only the depth is at fault.
    const std::int64_t tooDeep = maxGemmDepth() + 1;
    const std::vector<std::int8_t> deep(static_cast<std::size_t>(tooDeep), 0);
    EXPECT_THROW(PackedWeights(deep, 1, tooDeep, kernel()), UsageError);
    EXPECT_NO_THROW(
        PackedWeights(std::span(deep).first(deep.size() - 1), 1, tooDeep - 1, kernel()));
}

TEST_P(GemmKernelTest, GemmRefusesWrongSizes)
{
    withCodeType([&](auto tag) {
        using Code = decltype(tag);
        const std::int64_t m = 3;
        const std::int64_t n = 5;
        const std::int64_t k = 7;
        const std::vector<std::int8_t> w(static_cast<std::size_t>(n * k), 1);
        const PackedWeights packed(w, n, k, kernel());
        std::vector<std::int32_t> acc(static_cast<std::size_t>(m * n));
        const std::vector<Code> x(static_cast<std::size_t>(m * k), 1);
        const std::vector<Code> xShort(static_cast<std::size_t>(m * k - 1), 1);
        const std::vector<Code> xLong(static_cast<std::size_t>(m * k + 1), 1);
        EXPECT_THROW(gemmInt32(std::span<const Code>(xShort), m, packed, acc), UsageError);
        EXPECT_THROW(gemmInt32(std::span<const Code>(xLong), m, packed, acc), UsageError);
        EXPECT_THROW(
            gemmInt32(std::span<const Code>(x), m, packed, std::span(acc).first(acc.size() - 1)),
            UsageError);
        std::vector<std::int32_t> accLong(acc.size() + 1);
        EXPECT_THROW(gemmInt32(std::span<const Code>(x), m, packed, accLong), UsageError);
        EXPECT_THROW(gemmInt32(std::span<const Code>(x), -1, packed, acc), UsageError);
        EXPECT_NO_THROW(gemmInt32(std::span<const Code>(x), m, packed, acc));
        EXPECT_EQ(acc[0], k); // all ones: each cell is K
    });
}

TEST_P(GemmKernelTest, ZeroRowsWriteNothing)
{
    withCodeType([&](auto tag) {
        using Code = decltype(tag);
        const std::vector<std::int8_t> w(4 * 9, 3);
        const PackedWeights packed(w, 4, 9, kernel());
        // An empty view into a buffer of sentinels: nothing around it may change.
        std::vector<std::int32_t> buffer(8, kSentinel);
        const std::vector<Code> x;
        EXPECT_NO_THROW(
            gemmInt32(std::span<const Code>(x), 0, packed, std::span(buffer).subspan(4, 0)));
        EXPECT_EQ(buffer, std::vector<std::int32_t>(8, kSentinel));
    });
}

INSTANTIATE_TEST_SUITE_P(Kernels, GemmKernelTest,
                         ::testing::Combine(::testing::ValuesIn(availableGemmKernels()),
                                            ::testing::Values(Acts::Uint8, Acts::Int8)),
                         paramName);

TEST(GemmKernelNames, RoundTrip)
{
    for (GemmKernel kernel : {GemmKernel::Reference, GemmKernel::Portable, GemmKernel::Avx2})
        EXPECT_EQ(parseGemmKernel(toString(kernel)), kernel) << toString(kernel);
    // Distinct names, or the round trip could not hold for all three.
    EXPECT_STRNE(toString(GemmKernel::Reference), toString(GemmKernel::Portable));
    EXPECT_STRNE(toString(GemmKernel::Portable), toString(GemmKernel::Avx2));
    EXPECT_STRNE(toString(GemmKernel::Reference), toString(GemmKernel::Avx2));
}

TEST(GemmKernelNames, UnknownNamesAreUsageErrors)
{
    EXPECT_THROW(parseGemmKernel("bogus"), UsageError);
    EXPECT_THROW(parseGemmKernel(""), UsageError);
    // Only the exact names toString gives are accepted.
    EXPECT_THROW(parseGemmKernel(std::string(toString(GemmKernel::Avx2)) + " "), UsageError);
}

TEST(GemmKernelList, PackedPathsOnlyAndAvx2WhenTheCpuHasIt)
{
    const auto kernels = availableGemmKernels();
    ASSERT_FALSE(kernels.empty());
    EXPECT_EQ(std::count(kernels.begin(), kernels.end(), GemmKernel::Reference), 0);
    EXPECT_EQ(std::count(kernels.begin(), kernels.end(), GemmKernel::Portable), 1);
    EXPECT_EQ(std::count(kernels.begin(), kernels.end(), GemmKernel::Avx2),
              cpuFeatures().avx2 ? 1 : 0);
    EXPECT_NE(std::find(kernels.begin(), kernels.end(), bestGemmKernel()), kernels.end());
}

TEST(GemmKernelList, ReferenceCannotPackWeights)
{
    const std::vector<std::int8_t> w(6, 1);
    EXPECT_THROW(PackedWeights(w, 2, 3, GemmKernel::Reference), UsageError);
}

TEST(GemmReference, RefusesWrongSizes)
{
    const std::vector<std::uint8_t> x(6, 1);
    const std::vector<std::int8_t> w(6, 1);
    std::vector<std::int32_t> acc(4);
    EXPECT_THROW(gemmInt32Reference(std::span(x).first(5), w, 2, 2, 3, acc), UsageError);
    EXPECT_THROW(gemmInt32Reference(x, std::span(w).first(5), 2, 2, 3, acc), UsageError);
    EXPECT_THROW(gemmInt32Reference(x, w, 2, 2, 3, std::span(acc).first(3)), UsageError);
    gemmInt32Reference(x, w, 2, 2, 3, acc);
    EXPECT_EQ(acc, std::vector<std::int32_t>(4, 3));
}

} // namespace
} // namespace qs
