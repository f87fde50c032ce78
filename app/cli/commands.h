#pragma once

#include "analysis/model_analyzer.h"
#include "cli_options.h"

#include <functional>
#include <optional>
#include <ostream>
#include <regex>

namespace qs::cli {

// analyzeModel with the command line's threads, --tensors and --matmul, its progress shown
// on a terminal's standard error.
ModelReport analyzeWithProgress(const ModelFile& model, const Options& options,
                                const QuantConfig& config);

// Writes to the file, or to standard output for "-"; InputError naming the file when it
// cannot be written.
void writeToDestination(const std::string& destination,
                        const std::function<void(std::ostream&)>& write);

// --tensors as a regular expression (UsageError when it is not one).
std::optional<std::regex> tensorFilter(const Options& options);

// Runs a parsed command; returns the process exit status. Throws qs errors upward.
int runCommand(const Options& options);

} // namespace qs::cli
