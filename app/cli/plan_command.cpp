#include "plan_command.h"

#include "analysis/format_options.h"
#include "analysis/mixed_precision.h"
#include "commands.h"
#include "common/error.h"
#include "formats/model_file.h"
#include "report/plan_report.h"
#include "terminal_progress.h"

#include <cmath>
#include <iostream>
#include <mutex>
#include <sstream>

namespace qs::cli {

namespace {
std::vector<FormatOption> chosenOptions(const Options& options)
{
    if (options.planFormats.empty())
        return defaultFormatOptions(options.config);
    if (options.planFormats == "ggml")
        return ggmlFormatOptions();
    std::vector<FormatOption> chosen;
    bool stored = false;
    std::size_t start = 0;
    while (start <= options.planFormats.size()) {
        const std::size_t comma =
            std::min(options.planFormats.find(',', start), options.planFormats.size());
        const std::string spec = options.planFormats.substr(start, comma - start);
        chosen.push_back(parseFormatOption(spec, options.config));
        stored = stored || chosen.back().stored;
        start = comma + 1;
    }
    // Keeping a layer as it is always fits some budget; without it a tight one may not.
    if (!stored)
        chosen.insert(chosen.begin(), parseFormatOption("stored", options.config));
    return chosen;
}
} // namespace

int runPlan(const Options& options)
{
    const auto model = openModel(options.model);
    const std::vector<FormatOption> chosen = chosenOptions(options);
    // A llama-quantize list is refused before the long measurement, not after it.
    if (options.llamaTypesOut) {
        if (model->format() != "gguf")
            throw UsageError("--llama-tensor-types: llama-quantize reads GGUF; " + options.model +
                             " is " + model->format());
        for (const FormatOption& option : chosen)
            if (!option.stored && !option.ggmlType)
                throw UsageError("--llama-tensor-types: llama-quantize cannot write " +
                                 option.label + " (plan with --formats ggml)");
    }
    AnalyzeOptions analyzeOptions;
    analyzeOptions.threads = options.threads;
    analyzeOptions.tensorFilter = tensorFilter(options);
    const bool terminal = TerminalProgress::wanted();
    std::mutex shownMutex;
    std::size_t shown = std::size_t(-1);
    // Called from worker threads as blocks finish: one line per option.
    FormatTable table = measureFormatOptions(
        *model, chosen, analyzeOptions, [&](std::size_t done, std::size_t total) {
            if (!terminal)
                return true;
            const std::lock_guard lock(shownMutex);
            if (done != shown) {
                shown = done;
                std::cerr << "\rmeasuring option " << done + 1 << " of " << total << "   "
                          << std::flush;
            }
            return true;
        });
    if (terminal)
        std::cerr << "\r\033[K" << std::flush;
    if (options.llamaTypesOut)
        keepOnlyWhatLlamaQuantizes(table);
    if (table.layers.empty())
        throw UsageError("plan: no floating-point tensor to plan for");
    const double budgetBits = options.planBudget.perWeight
                                  ? options.planBudget.value * double(table.weights())
                                  : options.planBudget.value;
    const MixedPlan plan = planMixedPrecision(table, budgetBits);

    if (options.jsonOut)
        writeToDestination(*options.jsonOut, [&](std::ostream& out) {
            out << planJson(table, plan, budgetBits).dump(2) << '\n';
        });
    if (options.llamaTypesOut) {
        std::ostringstream lines; // whole, or nothing written
        writePlanLlamaTypes(lines, table, plan);
        writeToDestination(*options.llamaTypesOut, [&](std::ostream& out) { out << lines.str(); });
    }
    const bool stdoutTaken = (options.jsonOut && *options.jsonOut == "-") ||
                             (options.llamaTypesOut && *options.llamaTypesOut == "-");
    if (!stdoutTaken) {
        if (options.planShowOptions)
            writeOptionsText(std::cout, table);
        writePlanText(std::cout, table, plan, budgetBits);
    }
    return 0;
}

} // namespace qs::cli
