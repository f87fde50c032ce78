#pragma once
// The spec's scale (and zero-point) formula for one block with its numbers substituted,
// e.g. "s = amax / qmax = 0.4873 / 127 = 0.003837": what the details panel teaches with.

#include "quant/quant_config.h"
#include "quant/tensor_quantizer.h"

#include <QString>

namespace qs::ui {

// The formula of the configuration's convention (spec §3, and §8 for pytorch). Empty where
// the formula would not give the number shown (an all-zero block under the default
// convention, which takes s = 1), and for presets and unscaled casts.
QString scaleFormula(const BlockRecord& block, const QuantConfig& config);

} // namespace qs::ui
