#include "quant/quant_options.h"

#include "common/error.h"

#include <array>
#include <optional>

namespace qs {

namespace {
constexpr std::array<const char*, 8> kOptions = {"--dtype",       "--preset",      "--scheme",
                                                 "--granularity", "--calibration", "--narrow-range",
                                                 "--fp-mode",     "--convention"};
// Sets what `option` (one taking a value, not --preset) says in `config`.
void applyValue(QuantConfig& config, const std::string& option, const std::string& value)
{
    if (option == "--dtype")
        config.format = parseNumberFormat(value);
    else if (option == "--preset")
        parsePreset(value); // checked here; applied after all options
    else if (option == "--scheme")
        config.scheme = parseScheme(value);
    else if (option == "--granularity")
        config.granularity = parseGranularity(value);
    else if (option == "--calibration")
        config.calibration = parseCalibration(value);
    else if (option == "--fp-mode")
        config.fpMode = parseFpMode(value);
    else
        config.convention = parseConvention(value);
}
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

void checkQuantizationValue(const std::string& option, const std::string& value)
{
    // Parsed into a scratch configuration; the preset and validate() wait for all options.
    QuantConfig scratch;
    applyValue(scratch, option, value);
}

QuantConfig parseQuantizationOptions(const std::vector<std::string>& words,
                                     ValidateConfig validation)
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
        if (option == "--preset") {
            preset = parsePreset(value);
            continue;
        }
        dtypeGiven = dtypeGiven || option == "--dtype";
        applyValue(config, option, value);
    }
    if (preset) {
        if (dtypeGiven)
            throw UsageError("--preset fixes the number format: do not combine it with --dtype");
        config = applyPreset(config, *preset);
    }
    if (validation == ValidateConfig::Now)
        validate(config);
    return config;
}

std::vector<std::string> quantizationWords(const QuantConfig& config)
{
    const QuantConfig defaults;
    std::vector<std::string> words;
    auto add = [&](const char* option, const std::string& value, const std::string& byDefault) {
        if (value != byDefault)
            words.insert(words.end(), {option, value});
    };
    if (config.preset != Preset::None) {
        words = {"--preset", toString(config.preset)};
    } else {
        add("--dtype", toString(config.format), toString(defaults.format));
        add("--scheme", toString(config.scheme), toString(defaults.scheme));
        add("--granularity", toString(config.granularity), toString(defaults.granularity));
        add("--calibration", toString(config.calibration), toString(defaults.calibration));
        if (config.narrowRange)
            words.emplace_back("--narrow-range");
        if (config.fpMode)
            words.insert(words.end(), {"--fp-mode", toString(*config.fpMode)});
    }
    add("--convention", toString(config.convention), toString(defaults.convention));
    return words;
}

} // namespace qs
