#include "analysis/bits_sweep.h"

#include "analysis/float_values.h"
#include "common/error.h"
#include "common/progress.h"
#include "quant/tensor_quantizer.h"

namespace qs {

namespace {
// Bits per weight of the presets: 32 elements and one shared scale (fp16 for GGUF, an
// 8-bit power of two for MX).
double presetBits(Preset preset)
{
    switch (preset) {
    case Preset::GgufQ8_0:
        return (32 * 8 + 16) / 32.0;
    case Preset::GgufQ4_0:
        return (32 * 4 + 16) / 32.0;
    case Preset::Mxfp4:
        return (32 * 4 + 8) / 32.0;
    case Preset::Mxfp8E4M3:
        return (32 * 8 + 8) / 32.0;
    case Preset::None:
        break;
    }
    return 0;
}

// A Progress that only asks whether to go on.
class KeepGoingProgress : public Progress {
public:
    explicit KeepGoingProgress(const std::function<bool()>& keepGoing)
        : keepGoing_(keepGoing)
    {
    }
    bool report(std::uint64_t, std::uint64_t) override { return !keepGoing_ || keepGoing_(); }

private:
    const std::function<bool()>& keepGoing_;
};
} // namespace

std::vector<std::pair<SweepPoint, QuantConfig>> sweepConfigs(const QuantConfig& base)
{
    std::vector<std::pair<SweepPoint, QuantConfig>> configs;
    QuantConfig integer = base;
    integer.preset = Preset::None;
    integer.fpMode.reset();
    const bool isSigned = base.format.kind == NumberFormat::Kind::Float ||
                          base.preset != Preset::None || base.format.isSigned;
    for (int bits = 2; bits <= 8; ++bits) {
        integer.format = parseNumberFormat((isSigned ? "int" : "uint") + std::to_string(bits));
        integer.narrowRange = base.narrowRange && isSigned;
        QuantConfig config = integer;
        try {
            validate(config);
        } catch (const UsageError&) {
            config.calibration = {Calibration::Method::MinMax, 0};
        }
        configs.push_back(
            {{SweepPoint::Family::Integer, toString(config.format), double(bits), {}}, config});
    }
    const std::pair<const char*, double> floats[] = {
        {"fp8-e4m3", 8}, {"fp8-e5m2", 8}, {"fp4-e2m1", 4}};
    for (const auto& [name, bits] : floats) {
        QuantConfig config = base;
        config.preset = Preset::None;
        config.format = parseNumberFormat(name);
        config.scheme = Scheme::Symmetric;
        config.narrowRange = false;
        config.fpMode = FpMode::Scaled;
        try {
            validate(config);
        } catch (const UsageError&) {
            config.calibration = {Calibration::Method::MinMax, 0};
        }
        configs.push_back({{SweepPoint::Family::Float, name, bits, {}}, config});
    }
    for (Preset preset : {Preset::GgufQ8_0, Preset::GgufQ4_0, Preset::Mxfp4, Preset::Mxfp8E4M3}) {
        QuantConfig config = applyPreset(base, preset);
        configs.push_back(
            {{SweepPoint::Family::Preset, toString(preset), presetBits(preset), {}}, config});
    }
    return configs;
}

std::vector<SweepPoint> sweepTensor(const ModelFile& model, std::size_t index,
                                    const QuantConfig& base, const std::function<bool()>& keepGoing)
{
    const TensorInfo& info = model.tensors().at(index);
    if (!info.unsupported.empty())
        throw UsageError(info.unsupported);
    if (!isFloat(info.dtype))
        throw UsageError("not a floating-point tensor");
    std::vector<SweepPoint> points;
    withFloatValues(model, index, [&](std::span<const float> values) {
        for (auto& [point, config] : sweepConfigs(base)) {
            if (whyNotApplicable(info.shape, config))
                continue;
            QuantizeRequest request;
            if (keepGoing)
                request.progress = [&keepGoing](std::uint64_t) {
                    return keepGoing();
                };
            point.metrics =
                computeMetrics(quantizeTensor(values, info.shape, config, request).sums);
            points.push_back(point);
        }
    });
    return points;
}

std::vector<SweepPoint> sweepModel(const ModelFile& model, const QuantConfig& base,
                                   const std::function<bool()>& keepGoing)
{
    KeepGoingProgress progress(keepGoing);
    AnalyzeOptions options;
    options.progress = &progress;
    std::vector<SweepPoint> points;
    for (auto& [point, config] : sweepConfigs(base)) {
        const ModelReport report = analyzeModel(model, config, options);
        if (report.layers.empty())
            continue;
        point.metrics = report.summary.metrics;
        points.push_back(point);
    }
    return points;
}

} // namespace qs
