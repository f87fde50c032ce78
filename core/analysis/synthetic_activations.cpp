#include "analysis/synthetic_activations.h"

#include "common/error.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>
#include <random>

namespace qs {

namespace {
// FNV-1a: a stable hash of the layer name (std::hash may differ between library versions).
std::uint64_t nameHash(const std::string& name)
{
    std::uint64_t hash = 1469598103934665603ULL;
    for (unsigned char c : name) {
        hash ^= c;
        hash *= 1099511628211ULL;
    }
    return hash;
}

// std::mt19937_64's output is fixed by the standard; the distributions of <random> are
// not, so the transforms to uniform, normal and Laplace are written out here.
class Stream {
public:
    Stream(std::uint64_t seed, const std::string& layer, std::uint64_t purpose)
        : engine_(seed ^ nameHash(layer) ^ (purpose * 0x9E3779B97F4A7C15ULL))
    {
    }
    // Uniform in the open interval (0, 1).
    double uniform() { return (static_cast<double>(engine_() >> 11) + 0.5) * 0x1.0p-53; }
    double normal()
    {
        if (spare_) {
            const double value = *spare_;
            spare_.reset();
            return value;
        }
        const double radius = std::sqrt(-2.0 * std::log(uniform()));
        const double angle = 2.0 * std::numbers::pi * uniform();
        spare_ = radius * std::sin(angle);
        return radius * std::cos(angle);
    }
    double laplace()
    {
        const double u = uniform() - 0.5;
        const double b = 1.0 / std::numbers::sqrt2; // variance 2b² = 1
        return u < 0 ? b * std::log(1.0 + 2.0 * u) : -b * std::log(1.0 - 2.0 * u);
    }
    std::uint64_t next() { return engine_(); }

private:
    std::mt19937_64 engine_;
    std::optional<double> spare_;
};

constexpr std::uint64_t kValues = 1;
constexpr std::uint64_t kOutliers = 2;
} // namespace

ActivationDistribution parseActivationDistribution(const std::string& text)
{
    if (text == "gaussian")
        return ActivationDistribution::Gaussian;
    if (text == "laplace")
        return ActivationDistribution::Laplace;
    if (text == "llm-outliers")
        return ActivationDistribution::LlmOutliers;
    throw UsageError("--act-dist: unknown distribution '" + text +
                     "' (gaussian, laplace, llm-outliers)");
}

std::string toString(ActivationDistribution distribution)
{
    switch (distribution) {
    case ActivationDistribution::Gaussian:
        return "gaussian";
    case ActivationDistribution::Laplace:
        return "laplace";
    case ActivationDistribution::LlmOutliers:
        return "llm-outliers";
    }
    return "?";
}

std::vector<std::int64_t> outlierColumns(const SyntheticActivations& spec, const std::string& layer,
                                         std::int64_t columns)
{
    if (columns < 1)
        return {};
    Stream stream(spec.seed, layer, kOutliers);
    const std::int64_t wanted = std::max<std::int64_t>(1, columns / 256);
    std::vector<std::int64_t> picked;
    while (static_cast<std::int64_t>(picked.size()) < wanted) {
        const auto column =
            static_cast<std::int64_t>(stream.next() % static_cast<std::uint64_t>(columns));
        if (std::find(picked.begin(), picked.end(), column) == picked.end())
            picked.push_back(column);
    }
    std::sort(picked.begin(), picked.end());
    return picked;
}

std::vector<float> generateActivations(const SyntheticActivations& spec, const std::string& layer,
                                       std::int64_t rows, std::int64_t columns)
{
    if (rows < 1 || columns < 1)
        throw UsageError("synthetic activations need at least one row and one column");
    std::vector<float> values(static_cast<std::size_t>(rows * columns));
    Stream stream(spec.seed, layer, kValues);
    for (float& value : values) {
        value = static_cast<float>(spec.distribution == ActivationDistribution::Laplace
                                       ? stream.laplace()
                                       : stream.normal());
    }
    if (spec.distribution == ActivationDistribution::LlmOutliers) {
        Stream gains(spec.seed, layer, kOutliers + 1);
        for (std::int64_t column : outlierColumns(spec, layer, columns)) {
            const auto gain = static_cast<float>(20.0 + 40.0 * gains.uniform());
            for (std::int64_t row = 0; row < rows; ++row)
                values[static_cast<std::size_t>(row * columns + column)] *= gain;
        }
    }
    return values;
}

} // namespace qs
