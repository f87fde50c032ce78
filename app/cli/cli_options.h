#pragma once
// The command line of quantscope-cli, parsed into a value; UsageError on anything wrong.

#include "analysis/layer_output.h"
#include "analysis/layer_ranking.h"
#include "quant/quant_config.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qs::cli {

// plan --budget: bits per weight, or a size in bits.
struct PlanBudget {
    double value = 0;
    bool perWeight = true;
};

struct Options {
    enum class Command {
        Help,
        Version,
        Info,
        Analyze,
        Compare,
        Bench,
        Report,
        Plan,
        Conventions
    } command = Command::Help;
    std::string model;     // compare: the reference
    std::string candidate; // compare only
    bool infoJson = false;
    QuantConfig config;
    std::optional<QuantConfig> vsConfig; // analyze --vs "OPTIONS": a second configuration
    std::optional<std::string> tensorRegex;
    int threads = 0;
    std::optional<std::string> jsonOut; // "-" for stdout
    std::optional<std::string> csvOut;
    std::optional<MatmulOptions> matmul; // analyze --matmul
    // analyze: the table for TFLite debugger notebooks, and which layers to keep in higher
    // precision written in the forms ONNX Runtime, llama-quantize and PyTorch take
    std::optional<std::string> debuggerCsvOut;
    std::optional<std::string> debuggerJsonOut;
    KeepRule keep;
    std::optional<std::string> ortExcludeOut;
    std::optional<std::string> llamaTypesOut;
    std::optional<std::string> torchQconfigOut;
    std::string keepType = "f16";
    // plan
    PlanBudget planBudget;
    std::string planFormats; // comma-separated options, "ggml", or empty for the default set
    bool planShowOptions = false;
    // report: where (its suffix says HTML or PDF) and how many worst layers to draw
    std::string reportOut;
    std::size_t reportWorst = 4;
    // bench: (M, N, K) shapes, and whether to print JSON instead of a table
    std::vector<std::array<std::int64_t, 3>> benchShapes;
    bool benchJson = false;
};

Options parseOptions(const std::vector<std::string>& args);
// "4.5" (bits per weight) or a size: "12MB", "11.4MiB", "800kB", "2GB", "1.5GiB". Throws
// UsageError naming --budget.
PlanBudget parsePlanBudget(const std::string& text);
const char* usageText();

} // namespace qs::cli
