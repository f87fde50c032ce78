#include "cli_options.h"

#include "analysis/format_options.h"
#include "common/error.h"
#include "gemm/packed_weights.h"
#include "quant/quant_options.h"
#include "report/tool_exports.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <system_error>

namespace qs::cli {

const char* usageText()
{
    return R"(usage:
  quantscope-cli info MODEL [--json]
  quantscope-cli analyze MODEL [--dtype D] [--preset P] [--scheme S]
      [--granularity G] [--calibration C] [--narrow-range] [--fp-mode M]
      [--convention K] [--tensors REGEX] [--threads N]
      [--json FILE|-] [--csv FILE|-]
      [--matmul [--activations FILE | --act-dist A] [--act-dtype T]
                [--act-calibration C] [--batch B] [--seed SEED]]
      [--vs "OPTIONS"] [--debugger-csv FILE|-] [--debugger-json FILE|-]
      [--keep-worst N] [--keep-below DB] [--ort-exclude FILE|-]
      [--llama-tensor-types FILE|-] [--keep-type TYPE] [--torch-qconfig FILE|-]
  quantscope-cli report MODEL [analyze's quantization, --tensors, --threads and
      --matmul options] [--worst N] -o FILE.html|FILE.pdf
  quantscope-cli plan MODEL --budget B [--formats LIST|ggml] [--pareto]
      [quantization options] [--tensors REGEX] [--threads N] [--json FILE|-]
      [--llama-tensor-types FILE|-]
  quantscope-cli conventions MODEL [quantization options] [--tensors REGEX]
      [--threads N] [--json FILE|-]
  quantscope-cli compare REFERENCE CANDIDATE [--tensors REGEX] [--threads N]
      [--json FILE|-] [--csv FILE|-]
  quantscope-cli bench [--shape M,N,K]... [--threads N] [--json]

  MODEL  a safetensors file (or a sharded model's .safetensors.index.json), GGUF,
         PyTorch checkpoint (.pt/.pth/.bin), .npy or .npz; the format is read from
         the content
  compare measures CANDIDATE's values (e.g. a quantized GGUF) against REFERENCE's,
         tensor by tensor, matched by name
  D      int2..int16, uint2..uint16, fp16, bf16, fp8-e4m3, fp8-e5m2, fp4-e2m1 (int8)
  P      gguf-q8_0, gguf-q4_0, mxfp4, mxfp8-e4m3 (fixes dtype, scheme, granularity)
  S      symmetric (default) | asymmetric
  G      tensor | channel[:AXIS] (channel:0) | group:N
  C      minmax (default) | percentile:P | mse | kl
  M      scaled | unscaled (unscaled for fp16/bf16, scaled for fp8/fp4)
  K      default | pytorch | onnxruntime | tflite | modelopt | aimet | ggml: whose
         integer arithmetic (grid, scale rule, ties, x/s or x*(1/s), scale storage)
  --matmul  also runs each layer's Y = X W^T as int8 x int8 -> int32 and reports
         its output error against float32 (weights: signed int<=8, symmetric,
         per tensor or channel); X from FILE (.npz with one M x K array per
         weight name, or a .npy for a single layer) or synthetic
  A      gaussian (default) | laplace | llm-outliers
  T      uint8 (asymmetric, default) | int8 (symmetric); X is calibrated per
         tensor with --act-calibration (default: the weights' --calibration)
  B      rows of synthetic X (64); SEED its seed (0)
  --vs   analyses again with the quantization options in OPTIONS (one argument,
         e.g. --vs "--dtype int4 --granularity group:64") and adds that SQNR and
         the difference per layer and for the model, with both bits per weight
  --debugger-csv/-json  the per-layer table in the columns of TFLite's
         quantization debugger (layer_statistics_dump), of the weight error
  --keep-worst N / --keep-below DB  the layers to keep in higher precision: the N
         lowest-SQNR ones and/or those under DB; written as ONNX Runtime
         {"nodes_to_exclude": [...]} (ONNX models), as llama-quantize
         --tensor-type-file lines ^NAME$=TYPE (TYPE: f16, bf16, q8_0, q6_K ...;
         f16), or as a PyTorch QConfigMapping dict {"module_name": [[M, null]]}
  plan   chooses one option per tensor so that the model fits the budget B (bits
         per weight such as 4.5, or a size: 12MB, 11.4MiB, 2GB) with the least
         total squared error, by an exact multiple-choice knapsack; LIST is
         comma-separated: stored, fp16, bf16, DTYPE/GRANULARITY (int4/group:64),
         presets; ggml: what llama-quantize writes. --pareto also lists every
         option over the whole model with its bits per weight and SQNR
  conventions quantizes each tensor under every convention and counts the
         elements restored to a different value than under --convention K (and
         by how much, in values and grid steps), with each one's SQNR
  report writes a self-contained HTML page or an A4 PDF: configuration, sizes and
         bits per weight, whole-model error, the per-layer chart and table, and
         the N worst layers' histograms and channel ranges (N: 4, at most 64)
  bench  times the int8 GEMM (packed weights, median of repeated runs); shapes
         default to 128,4096,4096 512,512,512 1,4096,4096; threads to 1
Exit status: 0 success, 2 bad input or usage, 1 internal error.
)";
}

namespace {
class ArgCursor {
public:
    explicit ArgCursor(const std::vector<std::string>& args)
        : args_(args)
    {
    }
    bool done() const { return next_ >= args_.size(); }
    const std::string& take() { return args_[next_++]; }
    const std::string& value(const std::string& option)
    {
        if (done())
            throw UsageError(option + ": missing value");
        return take();
    }

private:
    const std::vector<std::string>& args_;
    std::size_t next_ = 0;
};

template <typename Integer>
Integer parseInteger(const std::string& option, const std::string& text, Integer low, Integer high)
{
    Integer value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size() || value < low || value > high)
        throw UsageError(option + ": invalid value '" + text + "' (expected " +
                         std::to_string(low) + ".." + std::to_string(high) + ")");
    return value;
}

int parseThreads(const std::string& text)
{
    return parseInteger<int>("--threads", text, 1, 1024);
}

std::array<std::int64_t, 3> parseShape(const std::string& text)
{
    std::array<std::int64_t, 3> shape{};
    std::size_t start = 0;
    for (int i = 0; i < 3; ++i) {
        const std::size_t comma = text.find(',', start);
        if ((i < 2) != (comma != std::string::npos))
            throw UsageError("--shape: expected M,N,K, got '" + text + "'");
        const std::string part =
            text.substr(start, comma == std::string::npos ? comma : comma - start);
        shape[i] = parseInteger<std::int64_t>("--shape", part, 1, i == 2 ? maxGemmDepth() : 65536);
        start = comma + 1;
    }
    // Each operand and the result are allocated whole: keep every one under 2^30 elements.
    constexpr std::int64_t kMaxElements = std::int64_t{1} << 30;
    const auto [m, n, k] = shape;
    if (m * k > kMaxElements || n * k > kMaxElements || m * n > kMaxElements)
        throw UsageError("--shape " + text + ": an operand would exceed 2^30 elements");
    return shape;
}

// parseCalibration names --calibration in its messages; this option has its own name.
Calibration parseActivationCalibration(const std::string& text)
{
    try {
        return parseCalibration(text);
    } catch (const UsageError& error) {
        std::string message = error.what();
        const std::string weightOption = "--calibration";
        if (message.rfind(weightOption, 0) == 0)
            message = "--act-calibration" + message.substr(weightOption.size());
        throw UsageError(message);
    }
}

std::vector<std::string> splitWords(const std::string& text)
{
    std::vector<std::string> words;
    std::string word;
    for (char c : text) {
        if (std::isspace(static_cast<unsigned char>(c))) {
            if (!word.empty())
                words.push_back(std::move(word));
            word.clear();
        } else {
            word += c;
        }
    }
    if (!word.empty())
        words.push_back(std::move(word));
    return words;
}

bool isExportOption(const std::string& arg)
{
    for (const char* option :
         {"--debugger-csv", "--debugger-json", "--ort-exclude", "--llama-tensor-types",
          "--torch-qconfig", "--keep-worst", "--keep-below", "--keep-type"})
        if (arg == option)
            return true;
    return false;
}

double parseDecibels(const std::string& option, const std::string& text)
{
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
        throw UsageError(option + ": invalid value '" + text + "' (expected decibels, e.g. 30)");
    return value;
}

// At most one output on standard output; a keep rule and a keep list only together.
void checkOutputs(const Options& options)
{
    const std::vector<std::pair<const char*, const std::optional<std::string>*>> outputs = {
        {"--json", &options.jsonOut},
        {"--csv", &options.csvOut},
        {"--debugger-csv", &options.debuggerCsvOut},
        {"--debugger-json", &options.debuggerJsonOut},
        {"--ort-exclude", &options.ortExcludeOut},
        {"--llama-tensor-types", &options.llamaTypesOut},
        {"--torch-qconfig", &options.torchQconfigOut}};
    std::vector<std::string> onStdout;
    for (const auto& [name, destination] : outputs)
        if (*destination && **destination == "-")
            onStdout.emplace_back(name);
    if (onStdout.size() > 1)
        throw UsageError(onStdout[0] + " - and " + onStdout[1] +
                         " -: only one report can go to standard output");
    if (options.command != Options::Command::Analyze)
        return; // plan writes its own llama-quantize list
    const bool rule = options.keep.worst || options.keep.belowSqnrDb;
    const bool list = options.ortExcludeOut || options.llamaTypesOut || options.torchQconfigOut;
    if (list && !rule)
        throw UsageError("which layers to keep? give --keep-worst N and/or --keep-below DB");
    if (rule && !list)
        throw UsageError(std::string(options.keep.worst ? "--keep-worst" : "--keep-below") +
                         ": say where the list goes (--ort-exclude, --llama-tensor-types or "
                         "--torch-qconfig)");
}

bool isReportFileName(const std::string& path)
{
    std::string lower = path;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    for (const char* suffix : {".html", ".htm", ".pdf"}) {
        const std::string_view end(suffix);
        if (lower.size() > end.size() &&
            lower.compare(lower.size() - end.size(), end.size(), end) == 0)
            return true;
    }
    return false;
}

bool isMatmulOption(const std::string& arg)
{
    for (const char* option :
         {"--activations", "--act-dist", "--act-dtype", "--act-calibration", "--batch", "--seed"})
        if (arg == option)
            return true;
    return false;
}
Options parseBenchOptions(Options options, ArgCursor& cursor)
{
    options.threads = 1;
    while (!cursor.done()) {
        const std::string arg = cursor.take();
        if (arg == "--help" || arg == "-h") {
            options.command = Options::Command::Help;
            return options;
        } else if (arg == "--shape") {
            options.benchShapes.push_back(parseShape(cursor.value(arg)));
        } else if (arg == "--threads") {
            options.threads = parseThreads(cursor.value(arg));
        } else if (arg == "--json") {
            options.benchJson = true;
        } else {
            throw UsageError("bench: unexpected argument '" + arg + "'");
        }
    }
    if (options.benchShapes.empty())
        options.benchShapes = {{128, 4096, 4096}, {512, 512, 512}, {1, 4096, 4096}};
    return options;
}
} // namespace

PlanBudget parsePlanBudget(const std::string& text)
{
    static const std::pair<const char*, double> units[] = {{"GiB", 1024.0 * 1024 * 1024},
                                                           {"MiB", 1024.0 * 1024},
                                                           {"KiB", 1024.0},
                                                           {"GB", 1e9},
                                                           {"MB", 1e6},
                                                           {"kB", 1e3},
                                                           {"KB", 1e3}};
    PlanBudget budget;
    std::string number = text;
    double unit = 0;
    for (const auto& [suffix, bytes] : units) {
        const std::string end(suffix);
        if (text.size() > end.size() &&
            text.compare(text.size() - end.size(), end.size(), end) == 0) {
            number = text.substr(0, text.size() - end.size());
            unit = bytes;
            break;
        }
    }
    double value = 0;
    const auto [at, error] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (error != std::errc() || at != number.data() + number.size() || !std::isfinite(value) ||
        value <= 0)
        throw UsageError("--budget: invalid value '" + text +
                         "' (bits per weight such as 4.5, or a size such as 12MB or 11.4MiB)");
    budget.perWeight = unit == 0;
    budget.value = budget.perWeight ? value : value * unit * 8.0; // bits
    return budget;
}

Options parseOptions(const std::vector<std::string>& args)
{
    Options options;
    ArgCursor cursor(args);
    if (cursor.done())
        throw UsageError("missing command (info, analyze, report, plan, conventions, compare or "
                         "bench); see --help");
    const std::string command = cursor.take();
    if (command == "--help" || command == "-h" || command == "help")
        return options;
    if (command == "--version") {
        options.command = Options::Command::Version;
        return options;
    }
    if (command == "info")
        options.command = Options::Command::Info;
    else if (command == "analyze")
        options.command = Options::Command::Analyze;
    else if (command == "report")
        options.command = Options::Command::Report;
    else if (command == "plan")
        options.command = Options::Command::Plan;
    else if (command == "conventions")
        options.command = Options::Command::Conventions;
    else if (command == "compare")
        options.command = Options::Command::Compare;
    else if (command == "bench")
        options.command = Options::Command::Bench;
    else
        throw UsageError("unknown command '" + command +
                         "' (expected info, analyze, report, plan, conventions, compare or bench)");
    if (options.command == Options::Command::Bench)
        return parseBenchOptions(options, cursor);

    std::vector<std::string> quantizationWords;
    std::optional<std::vector<std::string>> vsWords;
    bool matmul = false;
    MatmulOptions matmulOptions;
    std::vector<std::string> matmulOptionsGiven;
    const bool compare = options.command == Options::Command::Compare;
    const bool report = options.command == Options::Command::Report;
    const bool analyzes = options.command == Options::Command::Analyze || report;
    const bool plan = options.command == Options::Command::Plan;
    bool budgetGiven = false;
    while (!cursor.done()) {
        const std::string arg = cursor.take();
        const bool info = options.command == Options::Command::Info;
        if (arg == "--help" || arg == "-h") {
            options.command = Options::Command::Help;
            return options;
        } else if (arg == "--json" && info) {
            options.infoJson = true;
        } else if (arg.rfind("--", 0) == 0 && info) {
            throw UsageError("info: unknown option '" + arg + "'");
        } else if (compare && isQuantizationOption(arg)) {
            throw UsageError("compare: " + arg +
                             " does not apply (compare measures the candidate's stored values)");
        } else if (!analyzes && (arg == "--matmul" || isMatmulOption(arg))) {
            throw UsageError(arg + " applies to analyze and report only");
        } else if (report && (arg == "-o" || arg == "--output")) {
            options.reportOut = cursor.value(arg);
        } else if (report && arg == "--worst") {
            options.reportWorst = parseInteger<std::size_t>(arg, cursor.value(arg), 0, 64);
        } else if (report && (arg == "--json" || arg == "--csv")) {
            throw UsageError(arg + ": report writes one document (-o); analyze writes " +
                             arg.substr(2));
        } else if (arg == "--matmul") {
            matmul = true;
        } else if (isMatmulOption(arg)) {
            matmulOptionsGiven.push_back(arg);
            const std::string& value = cursor.value(arg);
            if (arg == "--activations")
                matmulOptions.activationsPath = value;
            else if (arg == "--act-dist")
                matmulOptions.synthetic.distribution = parseActivationDistribution(value);
            else if (arg == "--act-dtype")
                matmulOptions.activationType = parseActivationType(value);
            else if (arg == "--act-calibration")
                matmulOptions.activationCalibration = parseActivationCalibration(value);
            else if (arg == "--batch")
                matmulOptions.batch = parseInteger<std::int64_t>(arg, value, 1, 1 << 20);
            else
                matmulOptions.synthetic.seed =
                    parseInteger<std::uint64_t>(arg, value, 0, UINT64_MAX);
        } else if (isQuantizationOption(arg)) {
            quantizationWords.push_back(arg);
            if (quantizationOptionTakesValue(arg)) {
                quantizationWords.push_back(cursor.value(arg));
                checkQuantizationValue(arg, quantizationWords.back()); // reported where met
            }
        } else if (plan && arg == "--budget") {
            options.planBudget = parsePlanBudget(cursor.value(arg));
            budgetGiven = true;
        } else if (plan && arg == "--formats") {
            options.planFormats = cursor.value(arg);
        } else if (plan && arg == "--pareto") {
            options.planShowOptions = true;
        } else if (plan && arg == "--llama-tensor-types") {
            options.llamaTypesOut = cursor.value(arg);
        } else if ((plan || report || options.command == Options::Command::Conventions) &&
                   arg == "--csv") {
            throw UsageError("--csv applies to analyze and compare");
        } else if (options.command == Options::Command::Analyze && arg == "--vs") {
            vsWords = splitWords(cursor.value(arg));
        } else if (options.command == Options::Command::Analyze && isExportOption(arg)) {
            const std::string& value = cursor.value(arg);
            if (arg == "--debugger-csv")
                options.debuggerCsvOut = value;
            else if (arg == "--debugger-json")
                options.debuggerJsonOut = value;
            else if (arg == "--ort-exclude")
                options.ortExcludeOut = value;
            else if (arg == "--llama-tensor-types")
                options.llamaTypesOut = value;
            else if (arg == "--torch-qconfig")
                options.torchQconfigOut = value;
            else if (arg == "--keep-worst")
                options.keep.worst = parseInteger<std::size_t>(arg, value, 1, 1u << 30);
            else if (arg == "--keep-below")
                options.keep.belowSqnrDb = parseDecibels(arg, value);
            else if (!isLlamaKeepType(value))
                throw UsageError("--keep-type: '" + value +
                                 "' is not a ggml type llama-quantize takes (f16, bf16, q8_0, "
                                 "q6_K ...)");
            else
                options.keepType = value;
        } else if (isExportOption(arg) || arg == "--vs") {
            throw UsageError(arg + " applies to analyze only");
        } else if (arg == "--tensors") {
            options.tensorRegex = cursor.value(arg);
        } else if (arg == "--threads") {
            options.threads = parseThreads(cursor.value(arg));
        } else if (arg == "--json") {
            options.jsonOut = cursor.value(arg);
        } else if (arg == "--csv") {
            options.csvOut = cursor.value(arg);
        } else if (arg.rfind("--", 0) == 0 || (arg.size() > 1 && arg[0] == '-')) {
            throw UsageError("unknown option '" + arg + "'");
        } else if (options.model.empty()) {
            options.model = arg;
        } else if (compare && options.candidate.empty()) {
            options.candidate = arg;
        } else {
            throw UsageError("unexpected argument '" + arg + "'" +
                             (compare ? " (compare takes two files)" : " (only one MODEL)"));
        }
    }
    if (options.model.empty())
        throw UsageError(compare ? "missing REFERENCE and CANDIDATE files" : "missing MODEL file");
    if (compare && options.candidate.empty())
        throw UsageError("missing CANDIDATE file");
    if (plan && !budgetGiven)
        throw UsageError("plan: missing --budget (bits per weight such as 4.5, or a size such "
                         "as 12MB)");
    if (report) {
        if (options.reportOut.empty())
            throw UsageError("report: missing -o FILE.html or FILE.pdf");
        if (!isReportFileName(options.reportOut))
            throw UsageError("-o " + options.reportOut +
                             ": a report is .html, .htm or .pdf (the suffix chooses)");
    }
    // In the order the checks have always been made: the preset against --dtype, the two
    // reports on standard output, then the combination of settings.
    options.config = parseQuantizationOptions(quantizationWords, ValidateConfig::Later);
    checkOutputs(options);
    validate(options.config);
    if (plan && !options.planFormats.empty() && options.planFormats != "ggml") {
        std::size_t start = 0;
        while (start <= options.planFormats.size()) {
            const std::size_t comma =
                std::min(options.planFormats.find(',', start), options.planFormats.size());
            parseFormatOption(options.planFormats.substr(start, comma - start), options.config);
            start = comma + 1;
        }
    }
    if (vsWords) {
        try {
            options.vsConfig = parseQuantizationOptions(*vsWords);
        } catch (const UsageError& error) {
            throw UsageError(std::string("--vs: ") + error.what());
        }
    }
    if (!matmul && !matmulOptionsGiven.empty())
        throw UsageError(matmulOptionsGiven.front() + " needs --matmul");
    if (matmul) {
        auto given = [&](const char* option) {
            return std::find(matmulOptionsGiven.begin(), matmulOptionsGiven.end(), option) !=
                   matmulOptionsGiven.end();
        };
        if (!matmulOptions.activationsPath.empty()) {
            for (const char* synthetic : {"--act-dist", "--batch", "--seed"})
                if (given(synthetic))
                    throw UsageError(std::string(synthetic) +
                                     " describes synthetic activations: not with --activations");
        }
        validateMatmul(options.config, matmulOptions);
        options.matmul = matmulOptions;
    }
    return options;
}

} // namespace qs::cli
