// The seeded activation generator: reproducible, with the moments each distribution promises.
#include "analysis/synthetic_activations.h"
#include "common/error.h"

#include <cmath>
#include <gtest/gtest.h>

namespace qs {
namespace {

struct Moments {
    double mean = 0, variance = 0, kurtosis = 0;
};

Moments momentsOf(const std::vector<float>& values)
{
    double sum = 0;
    for (float v : values)
        sum += v;
    Moments m;
    m.mean = sum / static_cast<double>(values.size());
    double m2 = 0, m4 = 0;
    for (float v : values) {
        const double d = v - m.mean;
        m2 += d * d;
        m4 += d * d * d * d;
    }
    m2 /= static_cast<double>(values.size());
    m4 /= static_cast<double>(values.size());
    m.variance = m2;
    m.kurtosis = m4 / (m2 * m2);
    return m;
}

TEST(SyntheticActivations, SameSeedAndLayerGiveTheSameValues)
{
    const SyntheticActivations spec{ActivationDistribution::Laplace, 42};
    EXPECT_EQ(generateActivations(spec, "a", 8, 33), generateActivations(spec, "a", 8, 33));
    EXPECT_NE(generateActivations(spec, "a", 8, 33), generateActivations(spec, "b", 8, 33));
    const SyntheticActivations otherSeed{ActivationDistribution::Laplace, 43};
    EXPECT_NE(generateActivations(spec, "a", 8, 33), generateActivations(otherSeed, "a", 8, 33));
}

TEST(SyntheticActivations, GaussianAndLaplaceHaveUnitVarianceAndTheirTails)
{
    const auto gaussian =
        momentsOf(generateActivations({ActivationDistribution::Gaussian, 1}, "g", 400, 500));
    EXPECT_NEAR(gaussian.mean, 0.0, 0.01);
    EXPECT_NEAR(gaussian.variance, 1.0, 0.01);
    EXPECT_NEAR(gaussian.kurtosis, 3.0, 0.05);

    const auto laplace =
        momentsOf(generateActivations({ActivationDistribution::Laplace, 1}, "l", 400, 500));
    EXPECT_NEAR(laplace.mean, 0.0, 0.01);
    EXPECT_NEAR(laplace.variance, 1.0, 0.02);
    EXPECT_NEAR(laplace.kurtosis, 6.0, 0.3);
}

TEST(SyntheticActivations, LlmOutlierColumnsAreTensOfTimesLarger)
{
    const SyntheticActivations spec{ActivationDistribution::LlmOutliers, 7};
    const std::int64_t rows = 256, columns = 1024;
    const auto values = generateActivations(spec, "layer", rows, columns);
    const auto outliers = outlierColumns(spec, "layer", columns);
    ASSERT_EQ(outliers.size(), 4u); // one in 256
    auto columnRms = [&](std::int64_t column) {
        double sum = 0;
        for (std::int64_t r = 0; r < rows; ++r) {
            const double v = values[static_cast<std::size_t>(r * columns + column)];
            sum += v * v;
        }
        return std::sqrt(sum / static_cast<double>(rows));
    };
    for (std::int64_t column : outliers) {
        EXPECT_GT(columnRms(column), 15.0) << column;
        EXPECT_LT(columnRms(column), 75.0) << column;
    }
    double ordinary = 0;
    int counted = 0;
    for (std::int64_t column = 0; column < columns; ++column) {
        if (std::find(outliers.begin(), outliers.end(), column) != outliers.end())
            continue;
        ordinary += columnRms(column);
        ++counted;
    }
    EXPECT_NEAR(ordinary / counted, 1.0, 0.05);
    EXPECT_EQ(outlierColumns(spec, "layer", 10).size(), 1u); // at least one
}

TEST(SyntheticActivations, NamesParseBackAndBadOnesAreRefused)
{
    for (auto d : {ActivationDistribution::Gaussian, ActivationDistribution::Laplace,
                   ActivationDistribution::LlmOutliers})
        EXPECT_EQ(parseActivationDistribution(toString(d)), d);
    EXPECT_THROW(parseActivationDistribution("uniform"), UsageError);
    EXPECT_THROW(generateActivations({}, "x", 0, 4), UsageError);
}

} // namespace
} // namespace qs
