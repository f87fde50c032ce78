#pragma once
// Quantizes a whole tensor under a QuantConfig: splits it into blocks (spec §5), picks
// each block's range and scale (§2, §3), quantizes it (§4, §6, §7) and sums the errors
// (§9). Parallel over blocks, and inside a block too large to be one task; the result
// does not depend on the number of threads.

#include "quant/block_kernels.h"
#include "quant/float_format.h"
#include "quant/quant_config.h"
#include "quant/scale.h"
#include "tensor/tensor.h"

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace qs {

struct BlockRecord {
    float scale = 1; // the dequantization multiplier (GGUF Q4_0: signed d)
    std::int32_t zeroPoint = 0;
    ClipRange clip;               // the calibrated range, before widening to contain 0
    std::optional<float> inverse; // ScaleZero::inverse

    ScaleZero scaleZero() const { return {scale, zeroPoint, inverse}; }
};

struct TensorQuantization {
    ErrorSums sums;
    std::uint64_t nonfinite = 0;
    std::uint64_t blocks = 0;
    float scaleMin = 0; // over the blocks' |scale|
    float scaleMax = 0;
    CastCounts casts;                      // floating-point formats and MX presets
    std::vector<BlockRecord> blockRecords; // every block if requested, else the first
};

struct QuantizeRequest {
    bool keepBlockRecords = false;
    std::span<float> dequantized; // x̂ for every element when not empty
    // Called from worker threads between chunks of work with the number of elements whose
    // blocks were just finished (0 when it only checks in, e.g. during a calibration
    // search). Returning false cancels: quantizeTensor then throws CancelledError.
    std::function<bool(std::uint64_t finishedElements)> progress;
    // Every block takes this clipping range instead of calibrating one (a range the user
    // drew). Scaled grids only: a preset or an unscaled cast has no range to set.
    std::optional<ClipRange> fixedClip;
};

// Why `config` does not fit a tensor of this shape (a channel axis beyond its rank, a row
// length that is not a multiple of a preset's block ...), or nullopt when it does.
std::optional<std::string> whyNotApplicable(const Shape& shape, const QuantConfig& config);

// `values` holds the tensor in row-major order; `config` must be valid (validate()) and
// applicable to `shape`. Throws CancelledError when the cancel flag is raised.
TensorQuantization quantizeTensor(std::span<const float> values, const Shape& shape,
                                  const QuantConfig& config, const QuantizeRequest& request = {});

} // namespace qs
