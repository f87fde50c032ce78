#pragma once

#include "cli_options.h"

namespace qs::cli {

// Runs a parsed command; returns the process exit status. Throws qs errors upward.
int runCommand(const Options& options);

} // namespace qs::cli
