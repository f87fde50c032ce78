#pragma once
// Where each calibration method would put the clipping range of one block (the whole
// tensor under per-tensor granularity, or one channel or group), with the error each
// range gives: the marks a user compares against the range in use, or the one dragged.

#include "analysis/error_metrics.h"
#include "formats/model_file.h"
#include "quant/quant_config.h"
#include "quant/scale.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace qs {

struct CalibrationMark {
    Calibration calibration;
    ClipRange clip;
    ErrorMetrics metrics; // the block quantized with this range
};

// minmax, percentile (at the configured value, or 99.99), mse and, where it applies, kl;
// for block `block`, or the tensor when it is one block. Empty for presets and unscaled
// casts, which have no range to choose, and for a multi-block tensor without `block`.
// Throws as inspectTensor does for a tensor or configuration that does not apply, and
// CancelledError as soon as `keepGoing` (polled between chunks of work) returns false.
std::vector<CalibrationMark> calibrationMarks(const ModelFile& model, std::size_t index,
                                              const QuantConfig& config,
                                              std::optional<std::uint64_t> block = std::nullopt,
                                              const std::function<bool()>& keepGoing = {});

// "minmax", "p99.99", "mse", "kl": the short label a chart puts on a mark.
std::string markLabel(const Calibration& calibration);

} // namespace qs
