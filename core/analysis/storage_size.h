#pragma once
// How many bytes a layer takes before and after quantization, scales included: the "bits
// per weight" of reports, Pareto charts and size budgets. Stored layouts assumed:
// - integer grids: each element at the grid's width, plus per block one float32 scale and,
//   when asymmetric, a zero point at the grid's width (ONNX QuantizeLinear's layout);
// - scaled float formats: each element at the format's width plus a float32 scale per
//   block; unscaled casts: the element alone;
// - presets: their exact block layout (GGUF Q8_0 34 bytes and Q4_0 18 bytes per 32
//   weights, MX one 8-bit shared exponent per 32 elements).

#include "analysis/model_analyzer.h"
#include "quant/quant_config.h"

#include <cstdint>

namespace qs {

struct StorageSize {
    double bytesBefore = 0; // as stored in the file (its dtype)
    double bitsAfter = 0;   // elements and block parameters under the configuration

    double bitsPerWeight(std::uint64_t numel) const
    {
        return numel == 0 ? 0.0 : bitsAfter / double(numel);
    }
    StorageSize& operator+=(const StorageSize& other)
    {
        bytesBefore += other.bytesBefore;
        bitsAfter += other.bitsAfter;
        return *this;
    }
};

// Bits one element takes in `format` (fp8-e4m3: 8, int4: 4).
int elementBits(const NumberFormat& format);

// Bits of one block's stored parameters (scale, zero point, shared exponent) beyond its
// elements; 0 for an unscaled cast.
double blockParameterBits(const QuantConfig& config);

StorageSize layerStorage(const LayerReport& layer, const QuantConfig& config);

// Over every analysed layer of the report.
StorageSize modelStorage(const ModelReport& report);

} // namespace qs
