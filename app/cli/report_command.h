#pragma once

#include "cli_options.h"

namespace qs::cli {

// `report`: analyses the model and writes the HTML or PDF report with the GUI's charts,
// drawn off screen (no display needed).
int runReport(const Options& options);

} // namespace qs::cli
