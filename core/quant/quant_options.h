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

// `words` holds only quantization options and their values, in any order; a later one
// overrides an earlier one. Applies the preset and validate()s the result; throws
// UsageError naming the offending option.
QuantConfig parseQuantizationOptions(const std::vector<std::string>& words);

} // namespace qs
