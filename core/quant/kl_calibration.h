#pragma once
// Entropy (KL) calibration, TensorRT style: the clip on |x| whose 2048-bin histogram,
// merged into `quantBins` levels, loses the least information.

#include <span>

namespace qs {

inline constexpr int kKlHistogramBins = 2048;

// Evaluates each candidate over the histogram's nonzero bins only, with prefix sums for
// the merged levels: the cost follows the number of distinct bins a block fills, not 2048²
// (small blocks — a bias quantized per channel — fill a handful).
float klThreshold(std::span<const float> block, float absMax, int quantBins);

// The same search written plainly over every bin of every candidate: the oracle.
float klThresholdRef(std::span<const float> block, float absMax, int quantBins);

} // namespace qs
