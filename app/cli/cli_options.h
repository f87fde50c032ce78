#pragma once
// The command line of quantscope-cli, parsed into a value; UsageError on anything wrong.

#include "quant/quant_config.h"

#include <optional>
#include <string>
#include <vector>

namespace qs::cli {

struct Options {
    enum class Command { Help, Version, Info, Analyze, Compare } command = Command::Help;
    std::string model;     // compare: the reference
    std::string candidate; // compare only
    bool infoJson = false;
    QuantConfig config;
    std::optional<std::string> tensorRegex;
    int threads = 0;
    std::optional<std::string> jsonOut; // "-" for stdout
    std::optional<std::string> csvOut;
};

Options parseOptions(const std::vector<std::string>& args);
const char* usageText();

} // namespace qs::cli
