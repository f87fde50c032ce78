#pragma once
// The spec's scale (and zero-point) formula for one block with its numbers substituted,
// e.g. "s = amax / qmax = 0.4873 / 127 = 0.003837": what the details panel teaches with.

#include "quant/quant_config.h"
#include "quant/tensor_quantizer.h"

#include <QString>

namespace qs::ui {

// Empty when the block's scale does not follow the default formula (a convention's own
// rule, an all-zero block, presets, unscaled casts), rather than show a formula that
// does not give the number shown.
QString scaleFormula(const BlockRecord& block, const QuantConfig& config);

} // namespace qs::ui
