#pragma once
// The inspection's pass over a tensor and its restored values, one row at a time: turns
// the restored values into the errors x̂ - x in place and sums what the per-channel view
// and the histograms' ranges need. A plain loop and an AVX2 one (chosen at run time, as
// the quantization kernels are); both give the same errors and extremes, and sums that
// differ only in the order of additions.

#include <cstddef>
#include <cstdint>

namespace qs {

struct RowErrors {
    float valueMin, valueMax; // over finite values (+inf and -inf when there are none)
    float errorMin, errorMax;
    double sumX2 = 0; // Σ x², Σ e² over finite values, in float64 (e itself in float32)
    double sumE2 = 0;
    std::uint64_t finite = 0;
};

// restored[i] becomes restored[i] - values[i], or NaN where values[i] is not finite.
RowErrors errorRow(const float* values, float* restored, std::size_t n);

RowErrors errorRowReference(const float* values, float* restored, std::size_t n);
RowErrors errorRowAvx2(const float* values, float* restored, std::size_t n);

} // namespace qs
