#include "analysis/storage_size.h"

#include <bit>

namespace qs {

namespace {
constexpr int kFloat32ScaleBits = 32;
constexpr int kFp16ScaleBits = 16;     // GGUF's d
constexpr int kSharedExponentBits = 8; // MX's E8M0
} // namespace

int elementBits(const NumberFormat& format)
{
    if (format.kind == NumberFormat::Kind::Integer)
        return format.bits;
    // An e-bit exponent field has bias 2^(e-1) - 1, and emin = 1 - bias.
    const auto bias = static_cast<unsigned>(1 - format.floatFormat->minNormalExponent);
    const int exponentBits = std::bit_width(bias) + 1;
    return 1 + exponentBits + format.floatFormat->mantissaBits;
}

double blockParameterBits(const QuantConfig& config)
{
    switch (config.preset) {
    case Preset::GgufQ8_0:
    case Preset::GgufQ4_0:
        return kFp16ScaleBits;
    case Preset::Mxfp4:
    case Preset::Mxfp8E4M3:
        return kSharedExponentBits;
    case Preset::None:
        break;
    }
    if (config.format.kind == NumberFormat::Kind::Float)
        return config.effectiveFpMode() == FpMode::Scaled ? kFloat32ScaleBits : 0;
    const int zeroPointBits = config.scheme == Scheme::Asymmetric ? config.format.bits : 0;
    return kFloat32ScaleBits + zeroPointBits;
}

StorageSize layerStorage(const LayerReport& layer, const QuantConfig& config)
{
    StorageSize size;
    size.bytesBefore = double(layer.numel) * bitsPerElement(layer.dtype) / 8.0;
    const QuantConfig effective = applyPreset(config, config.preset);
    size.bitsAfter = double(layer.numel) * elementBits(effective.format) +
                     double(layer.blocks) * blockParameterBits(effective);
    return size;
}

StorageSize modelStorage(const ModelReport& report)
{
    StorageSize total;
    for (const auto& layer : report.layers)
        total += layerStorage(layer, report.config);
    return total;
}

} // namespace qs
