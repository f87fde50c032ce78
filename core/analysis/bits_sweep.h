#pragma once
// The error of one tensor (or the whole model) against the number of bits: the current
// settings at int2 … int8, plus the narrow float formats and the block presets as single
// points. Quantization noise falls about 6.02 dB a bit; where a tensor departs from that
// (clipping, outliers, a few distinct values) is what the chart shows.

#include "analysis/error_metrics.h"
#include "analysis/model_analyzer.h"
#include "formats/model_file.h"
#include "quant/quant_config.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace qs {

struct SweepPoint {
    enum class Family { Integer, Float, Preset } family = Family::Integer;
    std::string label; // "int4", "fp8-e4m3", "gguf-q4_0"
    double bits = 0;   // per weight: element bits, with a block format's shared scale
    ErrorMetrics metrics;
};

// The configurations swept for `base`: its scheme, granularity, calibration and convention
// at int2..int8 (uint2..uint8 when its grid is unsigned), then fp8-e4m3, fp8-e5m2 and
// fp4-e2m1 scaled with its granularity (minmax where its calibration does not apply), then
// the four presets. Each with its label and bits per weight.
std::vector<std::pair<SweepPoint, QuantConfig>> sweepConfigs(const QuantConfig& base);

// One tensor: a point per configuration that applies to it. Throws like inspectTensor
// for a tensor that is not floating point, and CancelledError when `keepGoing` says so.
std::vector<SweepPoint> sweepTensor(const ModelFile& model, std::size_t index,
                                    const QuantConfig& base,
                                    const std::function<bool()>& keepGoing = {});

// The whole model (analyzeModel's summary under each configuration); a configuration
// that applies to no tensor gives no point.
std::vector<SweepPoint> sweepModel(const ModelFile& model, const QuantConfig& base,
                                   const std::function<bool()>& keepGoing = {});

} // namespace qs
