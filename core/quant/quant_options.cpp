#include "quant/quant_options.h"

#include "common/error.h"

#include <array>
#include <optional>

namespace qs {

namespace {
constexpr std::array<const char*, 8> kOptions = {"--dtype",       "--preset",      "--scheme",
                                                 "--granularity", "--calibration", "--narrow-range",
                                                 "--fp-mode",     "--convention"};
} // namespace

bool isQuantizationOption(const std::string& word)
{
    for (const char* option : kOptions)
        if (word == option)
            return true;
    return false;
}

bool quantizationOptionTakesValue(const std::string& word)
{
    return isQuantizationOption(word) && word != "--narrow-range";
}

QuantConfig parseQuantizationOptions(const std::vector<std::string>& words)
{
    QuantConfig config;
    std::optional<Preset> preset;
    bool dtypeGiven = false;
    for (std::size_t i = 0; i < words.size(); ++i) {
        const std::string& option = words[i];
        if (!isQuantizationOption(option))
            throw UsageError("unknown quantization option '" + option + "'");
        if (option == "--narrow-range") {
            config.narrowRange = true;
            continue;
        }
        if (i + 1 == words.size())
            throw UsageError(option + ": missing value");
        const std::string& value = words[++i];
        if (option == "--dtype") {
            config.format = parseNumberFormat(value);
            dtypeGiven = true;
        } else if (option == "--preset") {
            preset = parsePreset(value);
        } else if (option == "--scheme") {
            config.scheme = parseScheme(value);
        } else if (option == "--granularity") {
            config.granularity = parseGranularity(value);
        } else if (option == "--calibration") {
            config.calibration = parseCalibration(value);
        } else if (option == "--fp-mode") {
            config.fpMode = parseFpMode(value);
        } else {
            config.convention = parseConvention(value);
        }
    }
    if (preset) {
        if (dtypeGiven)
            throw UsageError("--preset fixes the number format: do not combine it with --dtype");
        config = applyPreset(config, *preset);
    }
    validate(config);
    return config;
}

} // namespace qs
