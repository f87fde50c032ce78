#pragma once

#include "cli_options.h"

namespace qs::cli {

// `plan`: measures every format option on every layer, then finds the per-layer choice
// with the least total squared error within the size budget.
int runPlan(const Options& options);

} // namespace qs::cli
