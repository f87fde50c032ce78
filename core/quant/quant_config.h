#pragma once
// What the user asked for: number format, scheme, granularity, calibration, convention.
// Parsed from the CLI's words (and later the GUI's controls) and printed back the same way.

#include "quant/float_format.h"

#include <cstdint>
#include <optional>
#include <string>

namespace qs {

// An integer grid (int2..int16, uint2..uint16) or a narrow float format.
struct NumberFormat {
    enum class Kind { Integer, Float } kind = Kind::Integer;
    int bits = 8;
    bool isSigned = true;
    const FloatFormat* floatFormat = nullptr; // Kind::Float only
};

enum class Preset { None, GgufQ8_0, GgufQ4_0, Mxfp4, Mxfp8E4M3 };
enum class Scheme { Symmetric, Asymmetric };
enum class FpMode { Scaled, Unscaled };
// Whose arithmetic integer grids follow (spec §8; docs/quantization.md lists each rule
// and its source).
enum class Convention { Default, PyTorch, OnnxRuntime, TfLite, ModelOpt, Aimet, Ggml };
inline constexpr Convention kAllConventions[] = {
    Convention::Default,  Convention::PyTorch, Convention::OnnxRuntime, Convention::TfLite,
    Convention::ModelOpt, Convention::Aimet,   Convention::Ggml};

// TFLite, ModelOpt and ggml define only symmetric signed grids.
bool isSymmetricOnly(Convention convention);

struct Granularity {
    enum class Kind { Tensor, Channel, Group } kind = Kind::Channel;
    int axis = 0;               // Channel
    std::int64_t groupSize = 0; // Group
};

struct Calibration {
    enum class Method { MinMax, Percentile, Mse, Kl } method = Method::MinMax;
    double percentile = 99.99; // Percentile, in (0, 100]
};

struct QuantConfig {
    NumberFormat format;
    Preset preset = Preset::None;
    Scheme scheme = Scheme::Symmetric;
    Granularity granularity;
    Calibration calibration;
    bool narrowRange = false;
    std::optional<FpMode> fpMode; // unset: unscaled for fp16/bf16, scaled for fp8/fp4
    Convention convention = Convention::Default;

    FpMode effectiveFpMode() const;
};

// Parsers take the CLI spelling and throw UsageError naming the option and the value.
NumberFormat parseNumberFormat(const std::string& text);
Preset parsePreset(const std::string& text);
Scheme parseScheme(const std::string& text);
Granularity parseGranularity(const std::string& text);
Calibration parseCalibration(const std::string& text);
FpMode parseFpMode(const std::string& text);
Convention parseConvention(const std::string& text);

std::string toString(const NumberFormat& format);
std::string toString(Preset preset);
std::string toString(Scheme scheme);
std::string toString(const Granularity& granularity);
std::string toString(const Calibration& calibration);
std::string toString(FpMode mode);
std::string toString(Convention convention);

// A preset fixes the number format, scheme and granularity it stands for.
QuantConfig applyPreset(QuantConfig config, Preset preset);

// Refuses combinations that have no meaning (kl with asymmetric, narrow range on an
// unsigned grid, fp mode on an integer grid ...), with a UsageError.
void validate(const QuantConfig& config);

} // namespace qs
