#pragma once
// The quantization options of `analyze` (--dtype, --preset, --scheme, --granularity,
// --calibration, --narrow-range, --fp-mode, --convention) turned into a QuantConfig. The
// CLI and the GUI's settings panel both go through here, so the same words always mean
// the same configuration.

#include "quant/quant_config.h"

#include <string>
#include <vector>

namespace qs {

// True for the option names above.
bool isQuantizationOption(const std::string& word);
// True for those that take a value (all but --narrow-range).
bool quantizationOptionTakesValue(const std::string& word);

// Parses one option's value on its own (throwing UsageError as parseQuantizationOptions
// would), so that a command line reports a bad value where it stands.
void checkQuantizationValue(const std::string& option, const std::string& value);

// `words` holds only quantization options and their values, in any order; a later one
// overrides an earlier one. Applies the preset and validate()s the result (unless the
// caller validates later, to order its own checks before that one); throws UsageError
// naming the offending option.
enum class ValidateConfig { Now, Later };
QuantConfig parseQuantizationOptions(const std::vector<std::string>& words,
                                     ValidateConfig validation = ValidateConfig::Now);

// The shortest option words that parseQuantizationOptions turns back into `config`
// (defaults left out; a preset stands for its format, scheme and granularity).
std::vector<std::string> quantizationWords(const QuantConfig& config);

} // namespace qs
