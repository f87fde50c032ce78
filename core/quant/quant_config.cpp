#include "quant/quant_config.h"

#include "common/error.h"

#include <charconv>
#include <cmath>

namespace qs {

namespace {
[[noreturn]] void badValue(const std::string& option, const std::string& value,
                           const std::string& expected)
{
    throw UsageError(option + ": invalid value '" + value + "' (expected " + expected + ")");
}

bool parseInteger(std::string_view text, std::int64_t& value)
{
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    return ec == std::errc() && ptr == end && !text.empty();
}

constexpr const FloatFormat* kFloatFormats[] = {&kFp16, &kBf16, &kFp8E4M3, &kFp8E5M2, &kFp4E2M1};
} // namespace

FpMode QuantConfig::effectiveFpMode() const
{
    if (fpMode)
        return *fpMode;
    const bool wide = format.floatFormat == &kFp16 || format.floatFormat == &kBf16;
    return wide ? FpMode::Unscaled : FpMode::Scaled;
}

NumberFormat parseNumberFormat(const std::string& text)
{
    for (const FloatFormat* fp : kFloatFormats)
        if (text == fp->name)
            return {NumberFormat::Kind::Float, 1 + fp->mantissaBits, true, fp};
    const bool isUnsigned = text.rfind("uint", 0) == 0;
    const bool isSigned = !isUnsigned && text.rfind("int", 0) == 0;
    std::int64_t bits = 0;
    if ((isSigned || isUnsigned) &&
        parseInteger(std::string_view(text).substr(isSigned ? 3 : 4), bits) && bits >= 2 &&
        bits <= 16)
        return {NumberFormat::Kind::Integer, static_cast<int>(bits), isSigned, nullptr};
    badValue("--dtype", text,
             "int2..int16, uint2..uint16, fp16, bf16, fp8-e4m3, fp8-e5m2, fp4-e2m1");
}

Preset parsePreset(const std::string& text)
{
    if (text == "gguf-q8_0")
        return Preset::GgufQ8_0;
    if (text == "gguf-q4_0")
        return Preset::GgufQ4_0;
    if (text == "mxfp4")
        return Preset::Mxfp4;
    if (text == "mxfp8-e4m3")
        return Preset::Mxfp8E4M3;
    badValue("--preset", text, "gguf-q8_0, gguf-q4_0, mxfp4, mxfp8-e4m3");
}

Scheme parseScheme(const std::string& text)
{
    if (text == "symmetric")
        return Scheme::Symmetric;
    if (text == "asymmetric")
        return Scheme::Asymmetric;
    badValue("--scheme", text, "symmetric or asymmetric");
}

Granularity parseGranularity(const std::string& text)
{
    std::int64_t number = 0;
    if (text == "tensor")
        return {Granularity::Kind::Tensor, 0, 0};
    if (text == "channel")
        return {Granularity::Kind::Channel, 0, 0};
    if (text.rfind("channel:", 0) == 0 && parseInteger(std::string_view(text).substr(8), number) &&
        number >= 0 && number < 64)
        return {Granularity::Kind::Channel, static_cast<int>(number), 0};
    if (text.rfind("group:", 0) == 0 && parseInteger(std::string_view(text).substr(6), number) &&
        number >= 1 && number <= (std::int64_t{1} << 40))
        return {Granularity::Kind::Group, 0, number};
    badValue("--granularity", text, "tensor, channel[:AXIS] or group:N with N >= 1");
}

Calibration parseCalibration(const std::string& text)
{
    if (text == "minmax")
        return {Calibration::Method::MinMax, 0};
    if (text == "mse")
        return {Calibration::Method::Mse, 0};
    if (text == "kl")
        return {Calibration::Method::Kl, 0};
    if (text.rfind("percentile:", 0) == 0) {
        const std::string number = text.substr(11);
        double value = 0;
        auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
        if (ec == std::errc() && ptr == number.data() + number.size() && !number.empty() &&
            std::isfinite(value) && value > 50.0 && value <= 100.0)
            return {Calibration::Method::Percentile, value};
    }
    badValue("--calibration", text, "minmax, percentile:P with 50 < P <= 100, mse or kl");
}

FpMode parseFpMode(const std::string& text)
{
    if (text == "scaled")
        return FpMode::Scaled;
    if (text == "unscaled")
        return FpMode::Unscaled;
    badValue("--fp-mode", text, "scaled or unscaled");
}

bool isSymmetricOnly(Convention convention)
{
    return convention == Convention::TfLite || convention == Convention::ModelOpt ||
           convention == Convention::Ggml;
}

Convention parseConvention(const std::string& text)
{
    for (Convention convention : kAllConventions)
        if (text == toString(convention))
            return convention;
    if (text == "ort")
        return Convention::OnnxRuntime;
    if (text == "tensorrt")
        return Convention::ModelOpt;
    badValue("--convention", text,
             "default, pytorch, onnxruntime, tflite, modelopt, aimet or ggml");
}

std::string toString(const NumberFormat& format)
{
    if (format.kind == NumberFormat::Kind::Float)
        return std::string(format.floatFormat->name);
    return (format.isSigned ? "int" : "uint") + std::to_string(format.bits);
}

std::string toString(Preset preset)
{
    switch (preset) {
    case Preset::GgufQ8_0:
        return "gguf-q8_0";
    case Preset::GgufQ4_0:
        return "gguf-q4_0";
    case Preset::Mxfp4:
        return "mxfp4";
    case Preset::Mxfp8E4M3:
        return "mxfp8-e4m3";
    case Preset::None:
        break;
    }
    return "none";
}

std::string toString(Scheme scheme)
{
    return scheme == Scheme::Symmetric ? "symmetric" : "asymmetric";
}

std::string toString(const Granularity& granularity)
{
    switch (granularity.kind) {
    case Granularity::Kind::Tensor:
        return "tensor";
    case Granularity::Kind::Channel:
        return "channel:" + std::to_string(granularity.axis);
    case Granularity::Kind::Group:
        return "group:" + std::to_string(granularity.groupSize);
    }
    return {};
}

std::string toString(const Calibration& calibration)
{
    switch (calibration.method) {
    case Calibration::Method::MinMax:
        return "minmax";
    case Calibration::Method::Mse:
        return "mse";
    case Calibration::Method::Kl:
        return "kl";
    case Calibration::Method::Percentile: {
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "percentile:%g", calibration.percentile);
        return buffer;
    }
    }
    return {};
}

std::string toString(FpMode mode)
{
    return mode == FpMode::Scaled ? "scaled" : "unscaled";
}

std::string toString(Convention convention)
{
    switch (convention) {
    case Convention::Default:
        return "default";
    case Convention::PyTorch:
        return "pytorch";
    case Convention::OnnxRuntime:
        return "onnxruntime";
    case Convention::TfLite:
        return "tflite";
    case Convention::ModelOpt:
        return "modelopt";
    case Convention::Aimet:
        return "aimet";
    case Convention::Ggml:
        return "ggml";
    }
    return "default";
}

QuantConfig applyPreset(QuantConfig config, Preset preset)
{
    config.preset = preset;
    if (preset == Preset::None)
        return config;
    config.scheme = Scheme::Symmetric;
    config.granularity = {Granularity::Kind::Group, 0, 32};
    config.calibration = {Calibration::Method::MinMax, 0};
    config.narrowRange = false;
    config.fpMode.reset();
    switch (preset) {
    case Preset::GgufQ8_0:
        config.format = parseNumberFormat("int8");
        break;
    case Preset::GgufQ4_0:
        config.format = parseNumberFormat("int4");
        break;
    case Preset::Mxfp4:
        config.format = parseNumberFormat("fp4-e2m1");
        break;
    case Preset::Mxfp8E4M3:
        config.format = parseNumberFormat("fp8-e4m3");
        break;
    case Preset::None:
        break;
    }
    return config;
}

void validate(const QuantConfig& config)
{
    const bool isFloat = config.format.kind == NumberFormat::Kind::Float;
    if (config.calibration.method == Calibration::Method::Kl && config.scheme == Scheme::Asymmetric)
        throw UsageError("--calibration kl: entropy calibration is symmetric only");
    if (config.calibration.method == Calibration::Method::Kl &&
        (isFloat || config.format.bits > 12))
        throw UsageError("--calibration kl: needs an integer grid of at most 12 bits");
    if (config.narrowRange && (isFloat || !config.format.isSigned))
        throw UsageError("--narrow-range: applies to signed integer grids only");
    if (config.fpMode && !isFloat)
        throw UsageError("--fp-mode: applies to floating-point formats only");
    if (isFloat && config.scheme == Scheme::Asymmetric)
        throw UsageError("--scheme asymmetric: floating-point formats are symmetric");
    const Convention convention = config.convention;
    if (isSymmetricOnly(convention) && !isFloat && config.preset == Preset::None &&
        (config.scheme == Scheme::Asymmetric || !config.format.isSigned))
        throw UsageError("--convention " + toString(convention) +
                         ": defined for symmetric signed integer grids only (int2..int16)");
    if (isFloat && config.effectiveFpMode() == FpMode::Unscaled &&
        config.calibration.method != Calibration::Method::MinMax)
        throw UsageError("--calibration: an unscaled cast has no range to calibrate");
}

} // namespace qs
