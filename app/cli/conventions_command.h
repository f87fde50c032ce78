#pragma once

#include "cli_options.h"

namespace qs::cli {

// `conventions`: every tensor under every framework's integer arithmetic, compared with
// the chosen convention element by element.
int runConventions(const Options& options);

} // namespace qs::cli
