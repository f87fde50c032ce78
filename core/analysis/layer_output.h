#pragma once
// The output error of a layer (spec §9, §10): Y = X Wᵀ in float32 against the same product
// computed as an int8 inference engine does — W symmetric per output channel (or per
// tensor), X quantized per tensor, int32 accumulation, dequantized output.

#include "analysis/error_metrics.h"
#include "analysis/matmul_view.h"
#include "analysis/synthetic_activations.h"
#include "quant/quant_config.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace qs {

class ModelFile;

enum class ActivationType { Uint8, Int8 };
ActivationType parseActivationType(const std::string& text);
std::string toString(ActivationType type);

struct MatmulOptions {
    ActivationType activationType = ActivationType::Uint8;
    std::int64_t batch = 64; // synthetic rows of X (im2col patches for convolutions)
    SyntheticActivations synthetic;
    std::string activationsPath; // .npz / .npy of recorded inputs; empty: synthetic
    std::optional<Calibration> activationCalibration; // unset: the weights' method
};

// Refuses weight settings that the integer path cannot run (not a signed integer grid of
// at most 8 bits, asymmetric, per group, a preset) and activation settings that do not fit
// (kl calibration on uint8 activations, a batch below 1), with a UsageError.
void validateMatmul(const QuantConfig& weightConfig, const MatmulOptions& options);

// Quantization of activations: per tensor, uint8 asymmetric or int8 symmetric, with the
// weights' convention and the options' calibration (else the weights').
QuantConfig activationConfig(const QuantConfig& weightConfig, const MatmulOptions& options);

struct LayerOutput {
    std::int64_t m = 0, n = 0, k = 0;
    std::string layout;            // describe(MatmulView)
    std::string weightGranularity; // "channel" or "tensor"
    float actScale = 1;
    std::int32_t actZeroPoint = 0;
    std::uint64_t nonfinite = 0; // output elements left out of the metrics
    ErrorMetrics metrics;
    ErrorSums sums;
};

// Where each layer's X comes from: recorded inputs in a file, or the synthetic generator.
class ActivationSource {
public:
    explicit ActivationSource(const MatmulOptions& options);
    ~ActivationSource();
    ActivationSource(const ActivationSource&) = delete;
    ActivationSource& operator=(const ActivationSource&) = delete;

    struct Rows {
        std::vector<float> values; // M×K, row-major
        std::int64_t m = 0;
    };
    // X for the layer named `layer` with weight view `view`, or the reason there is none.
    // For convolutions, a recorded [B, C, H, W] input (or [B, C, L]) is unfolded into its
    // stride-1, unpadded patches; an already unfolded [M, K] is taken as it is.
    std::variant<Rows, std::string> rowsFor(const std::string& layer, const MatmulView& view) const;

    std::string describe() const;
    // Only a .npy: how many layers it may feed (1).
    bool singleArray() const;

private:
    MatmulOptions options_;
    std::unique_ptr<ModelFile> file_;
};

// `weights` are the stored tensor's values (row-major, as `shape`); `x` the M×K inputs.
// Returns the reason instead when the layer cannot be measured (nonfinite values, a depth
// beyond exact int32 accumulation, more rows than memory allows).
std::variant<LayerOutput, std::string>
measureLayerOutput(std::span<const float> weights, const Shape& shape, const MatmulView& view,
                   std::span<const float> x, std::int64_t m, const QuantConfig& weightConfig,
                   const MatmulOptions& options);

// Unfolds a [B, C, H, W] input into the stride-1, unpadded patches a kernel of `view` sees,
// ordered as the view's K (C, kh, kw for OIHW; kh, kw, C for OHWI). Returns the rows.
std::int64_t unfoldPatches(std::span<const float> input, std::int64_t batch, std::int64_t height,
                           std::int64_t width, const MatmulView& view, std::vector<float>& rows);

} // namespace qs
