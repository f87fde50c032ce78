#pragma once
// Spec §2: choosing one block's clipping range from its finite values.

#include "quant/block_kernels.h"
#include "quant/quant_config.h"
#include "quant/scale.h"

#include <functional>
#include <span>
#include <vector>

namespace qs {

// The squared error Σe² that quantizing the block with a given clipping range leaves.
using ClipErrorFn = std::function<double(const ClipRange&)>;

// `stats` are the block's range statistics (rangeOf); `scratch` is reused between blocks
// to avoid an allocation per block. `quantBins` is the number of positive levels the
// entropy method targets (2^(b-1)).
ClipRange calibrateBlock(std::span<const float> block, const RangeStats& stats,
                         const Calibration& calibration, Scheme scheme, int quantBins,
                         const ClipErrorFn& clipError, std::vector<float>& scratch);

// NumPy's default ("linear") percentile of the finite values in `values`, P in [0, 100].
// Reorders `values`.
float percentileLinear(std::vector<float>& values, double percent);

// The clip in {k/1000 · amax : k = 1..1000} with the smallest error (symmetric), or the
// best [lo·a, hi·b] found by alternating scans of both ends (asymmetric).
ClipRange mseSearch(const RangeStats& stats, Scheme scheme, const ClipErrorFn& clipError);

} // namespace qs
