#pragma once
// The command line of quantscope-cli, parsed into a value; UsageError on anything wrong.

#include "analysis/layer_output.h"
#include "quant/quant_config.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qs::cli {

struct Options {
    enum class Command { Help, Version, Info, Analyze, Compare, Bench } command = Command::Help;
    std::string model;     // compare: the reference
    std::string candidate; // compare only
    bool infoJson = false;
    QuantConfig config;
    std::optional<std::string> tensorRegex;
    int threads = 0;
    std::optional<std::string> jsonOut; // "-" for stdout
    std::optional<std::string> csvOut;
    std::optional<MatmulOptions> matmul; // analyze --matmul
    // bench: (M, N, K) shapes, and whether to print JSON instead of a table
    std::vector<std::array<std::int64_t, 3>> benchShapes;
    bool benchJson = false;
};

Options parseOptions(const std::vector<std::string>& args);
const char* usageText();

} // namespace qs::cli
