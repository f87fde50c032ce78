#include "commands.h"

#include "analysis/model_analyzer.h"
#include "analysis/model_compare.h"
#include "bench_command.h"
#include "common/error.h"
#include "conventions_command.h"
#include "formats/model_file.h"
#include "plan_command.h"
#include "report/compare_report.h"
#include "report/csv_report.h"
#include "report/json_report.h"
#include "report/text_report.h"
#include "report/tool_exports.h"
#include "report/vs_report.h"
#ifdef QS_HAVE_REPORTS
#include "report_command.h"
#endif
#include "terminal_progress.h"

#include <fstream>
#include <functional>
#include <iostream>
#include <optional>

namespace qs::cli {

void writeToDestination(const std::string& destination,
                        const std::function<void(std::ostream&)>& write)
{
    if (destination == "-") {
        write(std::cout);
        std::cout.flush();
        return;
    }
    std::ofstream file(destination, std::ios::binary);
    if (!file)
        throw InputError(destination, std::nullopt, "cannot open for writing");
    write(file);
    file.flush();
    if (!file)
        throw InputError(destination, std::nullopt, "write failed");
}

namespace {
void writeTo(const std::string& destination, const std::function<void(std::ostream&)>& write)
{
    writeToDestination(destination, write);
}

int runInfo(const Options& options)
{
    const auto model = openModel(options.model);
    if (options.infoJson)
        std::cout << infoJson(*model).dump(2) << '\n';
    else
        writeInfoText(std::cout, *model);
    return 0;
}

bool anyExportOnStdout(const Options& options)
{
    for (const auto* destination :
         {&options.debuggerCsvOut, &options.debuggerJsonOut, &options.ortExcludeOut,
          &options.llamaTypesOut, &options.torchQconfigOut})
        if (*destination && **destination == "-")
            return true;
    return false;
}

void writeJson(const std::string& destination, const nlohmann::ordered_json& json)
{
    writeTo(destination, [&](std::ostream& out) { out << json.dump(2) << '\n'; });
}

// The forms other tools read (see report/tool_exports.h).
void writeToolExports(const Options& options, const ModelReport& report,
                      const std::vector<TensorInfo>& tensors)
{
    if (options.debuggerCsvOut)
        writeTo(*options.debuggerCsvOut,
                [&](std::ostream& out) { writeDebuggerCsv(out, report, tensors); });
    if (options.debuggerJsonOut)
        writeJson(*options.debuggerJsonOut, debuggerJson(report, tensors));
    const auto kept = layersToKeep(report, options.keep);
    if (options.ortExcludeOut)
        writeJson(*options.ortExcludeOut, ortNodesToExclude(report, tensors, kept));
    if (options.llamaTypesOut)
        writeTo(*options.llamaTypesOut, [&](std::ostream& out) {
            writeLlamaTensorTypes(out, report, kept, options.keepType);
        });
    if (options.torchQconfigOut)
        writeJson(*options.torchQconfigOut, torchQconfigMapping(report, kept));
}

// The report in the layouts asked for: --json, --csv, else the table on standard output
// (unless an export took it).
void writeReports(const Options& options, const std::function<nlohmann::ordered_json()>& json,
                  const std::function<void(std::ostream&)>& csv,
                  const std::function<void(std::ostream&)>& text)
{
    if (options.jsonOut)
        writeJson(*options.jsonOut, json());
    if (options.csvOut)
        writeTo(*options.csvOut, csv);
    if (!options.jsonOut && !options.csvOut && !anyExportOnStdout(options))
        text(std::cout);
}

int runAnalyze(const Options& options)
{
    const auto model = openModel(options.model);
    // Lists for one runtime name that runtime's graph: refused before a long analysis.
    if (options.ortExcludeOut && model->format() != "onnx")
        throw UsageError("--ort-exclude: nodes_to_exclude names ONNX graph nodes; " +
                         options.model + " is " + model->format());
    if (options.llamaTypesOut && model->format() != "gguf")
        throw UsageError("--llama-tensor-types: llama-quantize reads GGUF; " + options.model +
                         " is " + model->format());
    const ModelReport report = analyzeWithProgress(*model, options, options.config);
    if (options.vsConfig) {
        const ConfigComparison vs =
            pairWith(report, analyzeWithProgress(*model, options, *options.vsConfig));
        writeReports(
            options,
            [&] {
                auto doc = reportJson(report);
                addVsJson(doc, report, vs);
                return doc;
            },
            [&](std::ostream& out) { writeCsvReport(out, report, vsCsvColumns(report, vs)); },
            [&](std::ostream& out) { writeReportText(out, report, vsTextColumns(report, vs)); });
    } else {
        writeReports(
            options, [&] { return reportJson(report); },
            [&](std::ostream& out) { writeCsvReport(out, report); },
            [&](std::ostream& out) { writeReportText(out, report); });
    }
    writeToolExports(options, report, model->tensors());
    return 0;
}

int runCompare(const Options& options)
{
    CompareOptions compareOptions;
    compareOptions.threads = options.threads;
    compareOptions.tensorFilter = tensorFilter(options);
    const auto reference = openModel(options.model);
    const auto candidate = openModel(options.candidate);
    CompareReport report;
    {
        std::optional<TerminalProgress> progress;
        if (TerminalProgress::wanted())
            compareOptions.progress = &progress.emplace();
        report = compareModels(*reference, *candidate, compareOptions);
    }
    writeReports(
        options, [&] { return compareJson(report); },
        [&](std::ostream& out) { writeCompareCsv(out, report); },
        [&](std::ostream& out) { writeCompareText(out, report); });
    return 0;
}
} // namespace

std::optional<std::regex> tensorFilter(const Options& options)
{
    if (!options.tensorRegex)
        return std::nullopt;
    try {
        return std::regex(*options.tensorRegex);
    } catch (const std::regex_error&) {
        throw UsageError("--tensors: invalid regular expression '" + *options.tensorRegex + "'");
    }
}

ModelReport analyzeWithProgress(const ModelFile& model, const Options& options,
                                const QuantConfig& config)
{
    AnalyzeOptions analyzeOptions;
    analyzeOptions.threads = options.threads;
    analyzeOptions.tensorFilter = tensorFilter(options);
    analyzeOptions.matmul = options.matmul;
    std::optional<TerminalProgress> progress;
    if (TerminalProgress::wanted())
        analyzeOptions.progress = &progress.emplace();
    return analyzeModel(model, config, analyzeOptions);
}

int runCommand(const Options& options)
{
    switch (options.command) {
    case Options::Command::Help:
        std::cout << usageText();
        return 0;
    case Options::Command::Version:
        std::cout << "quantscope-cli 0.1.0\n";
        return 0;
    case Options::Command::Info:
        return runInfo(options);
    case Options::Command::Analyze:
        return runAnalyze(options);
    case Options::Command::Compare:
        return runCompare(options);
    case Options::Command::Bench:
        return runBench(options);
    case Options::Command::Plan:
        return runPlan(options);
    case Options::Command::Conventions:
        return runConventions(options);
    case Options::Command::Report:
#ifdef QS_HAVE_REPORTS
        return runReport(options);
#else
        throw UsageError("report: this quantscope-cli was built without Qt (QS_BUILD_GUI=OFF)");
#endif
    }
    return 1;
}

} // namespace qs::cli
