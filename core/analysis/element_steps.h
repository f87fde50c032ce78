#pragma once
// One weight through quantization, step by step, with the engine's own arithmetic: what
// the teaching walk-through shows (x, s and 1/s, x·(1/s), the rounding and what the tie
// rule did, + z, the clamp, x̂ and the error). The restored value equals the one the
// tensor's quantization gives the element, bit for bit.

#include "formats/model_file.h"
#include "quant/presets.h"
#include "quant/quant_config.h"
#include "quant/tensor_quantizer.h"

#include <cstdint>
#include <functional>
#include <optional>

namespace qs {

struct ElementSteps {
    enum class Path { Integer, Float, Preset } path = Path::Integer;
    float x = 0;
    BlockRecord block;      // the scale, zero point and clip of the element's block
    bool nonfinite = false; // NaN or ±Inf: passed through, left out of the error
    // Integer grid (spec §4): q = clamp(round(x·(1/s)) + z, qmin, qmax), x̂ = s·(q − z);
    // the convention may divide instead, and round ties away from zero (§8).
    float inverseScale = 0;         // 1/s once in float32 (TFLite, ModelOpt: qmax/amax; ggml: 1/d)
    bool divides = false;           // scaled = x / s
    bool dequantizeDivides = false; // x̂ = (q − z) / inverseScale
    TieRule ties = TieRule::ToEven;
    float scaled = 0;      // x·(1/s), or x / s
    float rounded = 0;     // under the convention's tie rule
    bool tie = false;      // `scaled` lay exactly halfway: the tie rule picked the neighbour
    float code = 0;        // rounded + z
    float clampedCode = 0; // clamped to [qmin, qmax]
    std::int32_t qmin = 0;
    std::int32_t qmax = 0;
    // Float format: x / s cast to the format, x̂ = s·cast.
    float divided = 0;
    float cast = 0;
    bool overflow = false;  // saturated at the format's largest finite value
    bool underflow = false; // a nonzero value that became ±0
    // A block preset (GGUF Q8_0/Q4_0, MX): its own steps.
    PresetElementSteps preset;
    float restored = 0; // x̂
    float error = 0;    // x̂ − x, in float32
};

// `block` is the record quantizeTensor gave the element's block under `config`. Presets are
// refused (UsageError): their steps need the block's values, which explainTensorElement has.
ElementSteps explainElement(float x, const BlockRecord& block, const QuantConfig& config);

// The element at `element` (row-major) of tensor `index`, quantized with its tensor (with
// `clip` as its range when given, as a dragged range). Throws CancelledError as soon as
// `keepGoing` returns false.
ElementSteps explainTensorElement(const ModelFile& model, std::size_t index,
                                  const QuantConfig& config, std::uint64_t element,
                                  std::optional<ClipRange> clip = std::nullopt,
                                  const std::function<bool()>& keepGoing = {});

// The element whose value is nearest to `value` (the first of equals); for picking a weight
// by clicking in its histogram. Throws UsageError for a tensor without finite values.
std::uint64_t nearestElement(const ModelFile& model, std::size_t index, double value);

} // namespace qs
