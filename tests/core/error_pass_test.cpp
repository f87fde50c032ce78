// The inspection's error pass: the AVX2 loop gives the plain loop's errors and extremes
// exactly, and its sums to rounding, on rows with NaN, infinities and ragged tails.
#include "analysis/error_pass.h"
#include "common/cpu_features.h"

#include <cmath>
#include <gtest/gtest.h>
#include <random>
#include <vector>

namespace qs {
namespace {

TEST(ErrorPass, Avx2MatchesThePlainLoop)
{
    if (!cpuFeatures().avx2)
        GTEST_SKIP() << "no AVX2 on this CPU: the plain loop is the only path";
    std::mt19937 random(7);
    std::normal_distribution<float> normal(0.0f, 0.3f);
    for (std::size_t n : {0, 1, 7, 8, 9, 31, 64, 1000, 4099}) {
        std::vector<float> values(n), restored(n);
        for (std::size_t i = 0; i < n; ++i) {
            values[i] = normal(random);
            restored[i] = std::nearbyint(values[i] * 40.0f) / 40.0f;
        }
        if (n > 8) {
            values[1] = NAN;
            values[3] = INFINITY;
            values[n - 1] = -INFINITY; // in the tail for most n
            values[n / 2] = 5.0f;      // an outlier, clipped
            restored[n / 2] = 1.0f;
        }
        std::vector<float> plainOut = restored, wideOut = restored;
        const RowErrors plain = errorRowReference(values.data(), plainOut.data(), n);
        const RowErrors wide = errorRowAvx2(values.data(), wideOut.data(), n);
        SCOPED_TRACE(n);
        for (std::size_t i = 0; i < n; ++i) {
            if (std::isfinite(values[i]))
                EXPECT_EQ(wideOut[i], restored[i] - values[i]) << i;
            else
                EXPECT_TRUE(std::isnan(wideOut[i])) << i;
            EXPECT_EQ(std::isnan(plainOut[i]), std::isnan(wideOut[i]));
        }
        EXPECT_EQ(wide.finite, plain.finite);
        EXPECT_EQ(wide.valueMin, plain.valueMin);
        EXPECT_EQ(wide.valueMax, plain.valueMax);
        EXPECT_EQ(wide.errorMin, plain.errorMin);
        EXPECT_EQ(wide.errorMax, plain.errorMax);
        EXPECT_NEAR(wide.sumX2, plain.sumX2, 1e-12 * plain.sumX2);
        EXPECT_NEAR(wide.sumE2, plain.sumE2, 1e-12 * plain.sumE2);
        if (n > 8) {
            EXPECT_EQ(plain.finite, n - 3);
            EXPECT_EQ(plain.valueMax, 5.0f);
            EXPECT_EQ(plain.errorMin, -4.0f);
        }
    }
}

} // namespace
} // namespace qs
