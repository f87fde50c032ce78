#pragma once
// Seeded stand-ins for a layer's input when the user has no recorded activations. Each
// layer draws its own stream (seed mixed with the layer's name), so a layer's numbers do
// not depend on which other layers were analysed or in what order.

#include <cstdint>
#include <string>
#include <vector>

namespace qs {

enum class ActivationDistribution {
    Gaussian,    // N(0, 1)
    Laplace,     // unit variance, heavier tails
    LlmOutliers, // N(0, 1) with a few feature columns 20-60× larger, as in large LMs
};

ActivationDistribution parseActivationDistribution(const std::string& text);
std::string toString(ActivationDistribution distribution);

struct SyntheticActivations {
    ActivationDistribution distribution = ActivationDistribution::Gaussian;
    std::uint64_t seed = 0;
};

// `rows` × `columns` values, row-major; columns are features (the GEMM depth).
std::vector<float> generateActivations(const SyntheticActivations& spec, const std::string& layer,
                                       std::int64_t rows, std::int64_t columns);

// The outlier feature columns LlmOutliers picks for this layer and width, ascending: about
// one in 256, at least one.
std::vector<std::int64_t> outlierColumns(const SyntheticActivations& spec, const std::string& layer,
                                         std::int64_t columns);

} // namespace qs
