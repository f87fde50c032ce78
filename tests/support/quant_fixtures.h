#pragma once
// Small builders shared by the engine tests: configurations from CLI words and seeded
// random tensors.

#include "quant/quant_config.h"

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace qs::test {

inline QuantConfig makeConfig(const std::string& dtype = "int8",
                              const std::string& scheme = "symmetric",
                              const std::string& granularity = "tensor",
                              const std::string& calibration = "minmax",
                              Convention convention = Convention::Default)
{
    QuantConfig config;
    config.format = parseNumberFormat(dtype);
    config.scheme = parseScheme(scheme);
    config.granularity = parseGranularity(granularity);
    config.calibration = parseCalibration(calibration);
    config.convention = convention;
    return config;
}

inline std::vector<float> gaussian(std::size_t n, unsigned seed, float sigma = 1.0f)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, sigma);
    std::vector<float> values(n);
    for (float& v : values)
        v = dist(rng);
    return values;
}

} // namespace qs::test
