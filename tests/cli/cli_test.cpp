// quantscope-cli as a user runs it: exit status, stdout and the one-line error on stderr.
#include "support/test_files.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/wait.h>

namespace qs {
namespace {

struct CliRun {
    int status = -1;
    std::string out;
    std::string err;
};

std::string quote(const std::string& arg)
{
    std::string quoted = "'";
    for (char c : arg)
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

CliRun runCli(const std::vector<std::string>& args)
{
    test::TempDir dir;
    std::string command = quote(QS_CLI_PATH);
    for (const auto& arg : args) {
        command += ' ';
        command += quote(arg);
    }
    command += " >";
    command += quote(dir.file("out").string());
    command += " 2>";
    command += quote(dir.file("err").string());
    command += " </dev/null";
    const int raw = std::system(command.c_str());
    CliRun run;
    run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    const auto out = test::readFile(dir.file("out"));
    const auto err = test::readFile(dir.file("err"));
    run.out.assign(out.begin(), out.end());
    run.err.assign(err.begin(), err.end());
    return run;
}

const std::string kModel = (test::sharedModelsDir() / "ppocrv4_rec_svtr_neck.safetensors").string();

TEST(Cli, InfoPrintsATable)
{
    const CliRun r = runCli({"info", kModel});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("26 tensors"), std::string::npos);
    EXPECT_NE(r.out.find("linear_77.w_0"), std::string::npos);
    EXPECT_TRUE(r.err.empty());
}

TEST(Cli, InfoJsonFollowsTheSchema)
{
    const CliRun r = runCli({"info", kModel, "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["format"], "safetensors");
    EXPECT_EQ(doc["parameters"], 233280);
    EXPECT_EQ(doc["tensors"].size(), 26u);
    for (const char* key : {"name", "shape", "dtype", "numel", "offset"})
        EXPECT_TRUE(doc["tensors"][0].contains(key)) << key;
}

TEST(Cli, AnalyzeWritesJsonAndCsvReports)
{
    test::TempDir dir;
    const auto csv = dir.file("r.csv").string();
    const CliRun r = runCli({"analyze", kModel, "--dtype", "int4", "--granularity", "group:40",
                             "--json", "-", "--csv", csv});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["quantscope_report"], 1);
    EXPECT_EQ(doc["config"]["dtype"], "int4");
    EXPECT_EQ(doc["config"]["granularity"], "group:40");
    EXPECT_EQ(doc["layers"].size(), 26u);
    const auto csvBytes = test::readFile(csv);
    const std::string text(csvBytes.begin(), csvBytes.end());
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 27);
}

TEST(Cli, AnalyzeTableWithPresetListsSkippedTensors)
{
    const CliRun r = runCli({"analyze", kModel, "--preset", "gguf-q4_0"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("skipped:"), std::string::npos);
    EXPECT_NE(r.out.find("not a multiple of the 32-element block of gguf-q4_0"), std::string::npos);
    EXPECT_NE(r.out.find("summary:"), std::string::npos);
}

TEST(Cli, BadOptionExitsTwoWithOneLine)
{
    const CliRun r = runCli({"analyze", kModel, "--granularity", "group:0"});
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
    EXPECT_NE(r.err.find("--granularity"), std::string::npos);
    EXPECT_EQ(runCli({"frobnicate"}).status, 2);
    EXPECT_EQ(runCli({"analyze", kModel, "--dtype", "int8", "--preset", "mxfp4"}).status, 2);
}

TEST(Cli, ABadValueIsReportedWhereItStands)
{
    // Before anything that comes after it: a missing model, an unknown option.
    const CliRun early = runCli({"analyze", "--dtype", "int99"});
    EXPECT_EQ(early.status, 2);
    EXPECT_NE(early.err.find("--dtype"), std::string::npos) << early.err;
    const CliRun beforeUnknown = runCli({"analyze", kModel, "--scheme", "sideways", "--x"});
    EXPECT_NE(beforeUnknown.err.find("--scheme"), std::string::npos) << beforeUnknown.err;
    // The preset against --dtype comes before the two reports on standard output.
    const CliRun both = runCli(
        {"analyze", kModel, "--dtype", "int8", "--preset", "mxfp4", "--json", "-", "--csv", "-"});
    EXPECT_NE(both.err.find("--preset"), std::string::npos) << both.err;
}

TEST(Cli, CompareReportsTheCandidatesErrorPerTensor)
{
    const std::string f16 = (test::sharedModelsDir() / "ppocrv4_rec_svtr_neck.f16.gguf").string();
    const CliRun r = runCli({"compare", kModel, f16, "--json", "-", "--tensors", "linear_8[0-4]"});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["quantscope_compare"], 1);
    EXPECT_EQ(doc["candidate"]["format"], "gguf");
    ASSERT_EQ(doc["tensors"].size(), 10u);
    for (const auto& t : doc["tensors"]) {
        EXPECT_EQ(t["candidate_dtype"], "F16");
        EXPECT_GT(t["sqnr_db"].get<double>(), 50.0);
    }
    const CliRun text = runCli({"compare", kModel, f16});
    ASSERT_EQ(text.status, 0) << text.err;
    EXPECT_NE(text.out.find("summary: 26 tensors, 233280 parameters"), std::string::npos);
    EXPECT_EQ(runCli({"compare", kModel}).status, 2);
    const CliRun withDtype = runCli({"compare", kModel, f16, "--dtype", "int8"});
    EXPECT_EQ(withDtype.status, 2);
    EXPECT_NE(withDtype.err.find("does not apply"), std::string::npos);
}

TEST(Cli, ReadsGgufAndPytorchFiles)
{
    const CliRun gguf = runCli(
        {"info", (test::sharedModelsDir() / "ppocrv4_rec_svtr_neck.f32.gguf").string(), "--json"});
    ASSERT_EQ(gguf.status, 0) << gguf.err;
    EXPECT_EQ(nlohmann::json::parse(gguf.out)["format"], "gguf");
    const CliRun pt =
        runCli({"analyze", (test::testDataDir() / "pytorch" / "nested_model.pt").string()});
    ASSERT_EQ(pt.status, 0) << pt.err;
    EXPECT_NE(pt.out.find("model.fc.weight"), std::string::npos);
    const CliRun evil =
        runCli({"info", (test::testDataDir() / "corrupt/pytorch/calls_os_system.pt").string()});
    EXPECT_EQ(evil.status, 2);
    EXPECT_EQ(std::count(evil.err.begin(), evil.err.end(), '\n'), 1);
    EXPECT_NE(evil.err.find("os.system"), std::string::npos);
}

TEST(Cli, BadFileExitsTwoNamingTheFile)
{
    test::TempDir dir;
    const auto path = dir.file("broken.safetensors");
    test::writeFile(path,
                    std::vector<std::uint8_t>{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, '{'});
    const CliRun r = runCli({"analyze", path.string()});
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
    EXPECT_NE(r.err.find(path.string()), std::string::npos);
    const CliRun missing = runCli({"info", dir.file("nope.safetensors").string()});
    EXPECT_EQ(missing.status, 2);
    EXPECT_NE(missing.err.find("cannot open"), std::string::npos);
}

} // namespace
} // namespace qs

namespace qs {
namespace {

nlohmann::json workedExample(const std::string& scheme)
{
    const std::string path =
        std::string(QS_TEST_DATA_DIR) + "/../../docs/examples/worked_example.npy";
    const CliRun r =
        runCli({"analyze", path, "--granularity", "tensor", "--scheme", scheme, "--json", "-"});
    EXPECT_EQ(r.status, 0) << r.err;
    return nlohmann::json::parse(r.out)["layers"][0];
}

// The numbers docs/quantization.md works out by hand.
TEST(Cli, WorkedExampleMatchesTheDocs)
{
    const auto symmetric = workedExample("symmetric");
    EXPECT_EQ(symmetric["scale"].get<float>(), 10.0f / 127.0f);
    EXPECT_EQ(symmetric["zero_point"], 0);
    EXPECT_NEAR(symmetric["max_abs_err"].get<double>(), 0.0196850, 1e-7);
    EXPECT_NEAR(symmetric["mse"].get<double>(), 9.035e-05, 1e-8);
    EXPECT_NEAR(symmetric["sqnr_db"].get<double>(), 56.80, 0.005);
    const auto asymmetric = workedExample("asymmetric");
    EXPECT_EQ(asymmetric["scale"].get<float>(), 20.0f / 255.0f);
    EXPECT_EQ(asymmetric["zero_point"], -1);
    EXPECT_NEAR(asymmetric["max_abs_err"].get<double>(), 0.039216, 1e-6);
    EXPECT_NEAR(asymmetric["sqnr_db"].get<double>(), 48.31, 0.005);
}

} // namespace
} // namespace qs

namespace qs {
namespace {

TEST(CliMatmul, AddsTheOutputErrorOfEveryMatrixToJsonAndCsv)
{
    test::TempDir dir;
    const std::string csv = dir.file("layers.csv").string();
    const CliRun r = runCli({"analyze", kModel, "--matmul", "--act-dist", "laplace", "--batch",
                             "24", "--seed", "9", "--json", "-", "--csv", csv});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["matmul"]["act_dist"], "laplace");
    EXPECT_EQ(doc["matmul"]["batch"], 24);
    EXPECT_EQ(doc["matmul"]["seed"], 9);
    int measured = 0;
    for (const auto& layer : doc["layers"]) {
        if (layer["shape"].size() != 2) {
            EXPECT_TRUE(layer.contains("output_skipped"));
            continue;
        }
        const auto& out = layer["output"];
        EXPECT_EQ(out["m"], 24);
        EXPECT_EQ(out["n"], layer["shape"][1]); // Paddle's [in, out]
        EXPECT_GT(out["act_scale"].get<double>(), 0.0);
        EXPECT_GE(out["act_zero_point"].get<int>(), 0);
        EXPECT_LE(out["act_zero_point"].get<int>(), 255);
        EXPECT_GT(out["sqnr_db"].get<double>(), 25.0);
        EXPECT_LT(out["sqnr_db"].get<double>(), layer["sqnr_db"].get<double>() + 0.0);
        ++measured;
    }
    EXPECT_EQ(measured, 8);
    EXPECT_EQ(doc["summary"]["output"]["layers"], 8);

    const auto bytes = test::readFile(csv);
    const std::string table(bytes.begin(), bytes.end());
    EXPECT_NE(table.find(",output_sqnr_db,"), std::string::npos);
    EXPECT_NE(table.find("1-D tensor, not a layer weight"), std::string::npos);
}

TEST(CliMatmul, SameSeedSameNumbersOtherSeedOtherNumbers)
{
    auto sqnr = [](const std::string& seed) {
        const CliRun r = runCli({"analyze", kModel, "--tensors", "linear_78.w_0", "--matmul",
                                 "--seed", seed, "--json", "-"});
        EXPECT_EQ(r.status, 0) << r.err;
        return nlohmann::json::parse(r.out)["layers"][0]["output"]["sqnr_db"].get<double>();
    };
    EXPECT_EQ(sqnr("1"), sqnr("1"));
    EXPECT_NE(sqnr("1"), sqnr("2"));
}

TEST(CliMatmul, RefusesWhatTheIntegerPathCannotRun)
{
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"analyze", kModel, "--act-dist", "gaussian"},
          {"analyze", kModel, "--matmul", "--dtype", "fp8-e4m3"},
          {"analyze", kModel, "--matmul", "--scheme", "asymmetric"},
          {"analyze", kModel, "--matmul", "--act-dist", "uniform"},
          {"analyze", kModel, "--matmul", "--batch", "0"},
          {"analyze", kModel, "--matmul", "--calibration", "kl"},
          {"analyze", kModel, "--matmul", "--activations", "x.npz", "--seed", "3"},
          {"compare", kModel, kModel, "--matmul"}}) {
        const CliRun r = runCli(args);
        EXPECT_EQ(r.status, 2) << args.back();
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
    test::TempDir dir;
    const std::string broken = dir.file("inputs.npz").string();
    test::writeFile(broken, std::string("PK\x03\x04 not really a zip"));
    const CliRun r = runCli({"analyze", kModel, "--matmul", "--activations", broken});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("inputs.npz"), std::string::npos) << r.err;
}

TEST(CliBench, TimesTheGemmAndReportsJson)
{
    const CliRun r = runCli({"bench", "--shape", "8,40,100", "--shape", "1,16,33", "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_FALSE(doc["cpu"].get<std::string>().empty());
    EXPECT_FALSE(doc["kernel"].get<std::string>().empty());
    ASSERT_EQ(doc["results"].size(), 2u);
    EXPECT_EQ(doc["results"][0]["m"], 8);
    EXPECT_EQ(doc["results"][0]["n"], 40);
    EXPECT_EQ(doc["results"][0]["k"], 100);
    EXPECT_EQ(doc["results"][1]["k"], 33);
    EXPECT_EQ(doc["results"][0]["threads"], 1);
    for (const auto& result : doc["results"]) {
        EXPECT_GT(result["gops"].get<double>(), 0.0);
        EXPECT_GE(result["runs"].get<int>(), 5);
    }
    const CliRun table = runCli({"bench", "--shape", "4,4,4", "--threads", "2"});
    ASSERT_EQ(table.status, 0) << table.err;
    EXPECT_NE(table.out.find("GOP/s"), std::string::npos);
    for (const char* bad : {"4,4", "4,4,4,4", "0,4,4", "4,x,4", "4,4,70000"})
        EXPECT_EQ(runCli({"bench", "--shape", bad}).status, 2) << bad;
}

} // namespace
} // namespace qs

namespace qs {
namespace {

TEST(CliMatmul, ActivationsHaveTheirOwnCalibration)
{
    auto actScale = [](std::vector<std::string> extra) {
        std::vector<std::string> args{"analyze",       kModel,     "--tensors",
                                      "linear_78.w_0", "--matmul", "--act-dist",
                                      "laplace",       "--json",   "-"};
        args.insert(args.end(), extra.begin(), extra.end());
        const CliRun r = runCli(args);
        EXPECT_EQ(r.status, 0) << r.err;
        const auto doc = nlohmann::json::parse(r.out);
        return std::make_pair(doc["matmul"]["act_calibration"].get<std::string>(),
                              doc["layers"][0]["output"]["act_scale"].get<double>());
    };
    const auto minmax = actScale({});
    const auto clipped = actScale({"--act-calibration", "percentile:99"});
    EXPECT_EQ(minmax.first, "minmax");
    EXPECT_EQ(clipped.first, "percentile:99");
    EXPECT_LT(clipped.second, 0.8 * minmax.second); // Laplace tails: the 99th is well inside
    // kl weights with minmax uint8 activations are fine; kl on uint8 activations is not.
    EXPECT_EQ(actScale({"--calibration", "kl", "--act-calibration", "minmax"}).first, "minmax");
    EXPECT_EQ(runCli({"analyze", kModel, "--matmul", "--act-calibration", "kl"}).status, 2);
}

} // namespace
} // namespace qs

namespace qs {
namespace {

TEST(CliMatmul, MessagesNameTheOptionGiven)
{
    const CliRun r = runCli({"analyze", kModel, "--matmul", "--act-calibration", "bogus"});
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err.find("--calibration"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--act-calibration"), std::string::npos) << r.err;
    const CliRun huge = runCli({"bench", "--shape", "65536,65536,65793"});
    EXPECT_EQ(huge.status, 2);
    EXPECT_NE(huge.err.find("2^30"), std::string::npos) << huge.err;
}

} // namespace
} // namespace qs

namespace qs {
namespace {

#ifdef QS_CLI_HAS_REPORTS
TEST(CliReport, WritesHtmlAndPdfWithoutADisplay)
{
    test::TempDir dir;
    const std::string html = dir.file("svtr.html").string();
    const CliRun r = runCli({"report", kModel, "--dtype", "int4", "--worst", "2", "-o", html});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(r.err.empty()) << r.err; // Qt's own chatter stays out of a batch tool
    const auto bytes = test::readFile(html);
    const std::string page(bytes.begin(), bytes.end());
    EXPECT_NE(page.find("<h3>linear_"), std::string::npos);
    EXPECT_NE(page.find("--dtype int4</code>"), std::string::npos);
    std::size_t images = 0;
    for (auto at = page.find("data:image/png;base64,"); at != std::string::npos;
         at = page.find("data:image/png;base64,", at + 1))
        ++images;
    EXPECT_EQ(images, 1u + 2 * 3); // layer chart; two histograms and channels per worst layer

    const std::string pdf = dir.file("svtr.PDF").string();
    const CliRun p = runCli({"report", kModel, "--granularity", "tensor", "--output", pdf});
    ASSERT_EQ(p.status, 0) << p.err;
    const auto pdfBytes = test::readFile(pdf);
    ASSERT_GT(pdfBytes.size(), 1000u);
    EXPECT_EQ(std::string(pdfBytes.begin(), pdfBytes.begin() + 5), "%PDF-");
}

TEST(CliReport, BadInputIsOneLineAndStatusTwo)
{
    test::TempDir dir;
    const std::string out = dir.file("r.html").string();
    struct Case {
        std::vector<std::string> args;
        std::string says;
    };
    const std::vector<Case> cases = {
        {{"report", kModel}, "missing -o"},
        {{"report", kModel, "-o", dir.file("r.txt").string()}, ".html, .htm or .pdf"},
        {{"report", kModel, "-o", out, "--json", "-"}, "report writes one document"},
        {{"report", kModel, "-o", out, "--worst", "65"}, "--worst"},
        {{"report", std::string(QS_TEST_DATA_DIR) + "/missing.safetensors", "-o", out},
         "missing.safetensors"},
        {{"report", kModel, "-o", dir.file("no/such/dir/r.pdf").string()}, "no/such/dir/r.pdf"},
    };
    for (const Case& c : cases) {
        const CliRun r = runCli(c.args);
        EXPECT_EQ(r.status, 2) << c.says;
        EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
    EXPECT_FALSE(std::filesystem::exists(out));
}
#else
TEST(CliReport, NeedsTheQtBuild)
{
    const CliRun r = runCli({"report", kModel, "-o", "r.html"});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("built without Qt"), std::string::npos) << r.err;
}
#endif

} // namespace
} // namespace qs

namespace qs {
namespace {

TEST(CliExports, DebuggerTableAndKeepListsForOtherTools)
{
    test::TempDir dir;
    const std::string onnx =
        (test::sharedModelsDir() / "ch_ppocr_mobile_v2.0_cls_infer.onnx").string();
    const std::string ort = dir.file("exclude.json").string();
    const std::string torch = dir.file("qconfig.json").string();
    const std::string table = dir.file("debugger.csv").string();
    const CliRun r =
        runCli({"analyze", onnx, "--dtype", "int4", "--keep-worst", "3", "--ort-exclude", ort,
                "--torch-qconfig", torch, "--debugger-csv", table});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("SQNR"), std::string::npos) << "the table still goes to stdout";
    const auto read = [](const std::string& path) {
        const auto bytes = test::readFile(path);
        return std::string(bytes.begin(), bytes.end());
    };
    const auto excluded = nlohmann::json::parse(read(ort));
    EXPECT_GE(excluded["nodes_to_exclude"].size(), 1u);
    EXPECT_LE(excluded["nodes_to_exclude"].size(), 3u);
    EXPECT_EQ(nlohmann::json::parse(read(torch))["module_name"].size(), 3u);
    EXPECT_EQ(read(table).rfind("op_name,tensor_idx,num_elements,", 0), 0u);

    // A keep list on stdout replaces the table there.
    const std::string gguf = (test::sharedModelsDir() / "ppocrv4_rec_svtr_neck.f32.gguf").string();
    const CliRun llama = runCli({"analyze", gguf, "--keep-worst", "5", "--keep-below", "-5",
                                 "--llama-tensor-types", "-", "--keep-type", "q8_0"});
    ASSERT_EQ(llama.status, 0) << llama.err;
    std::istringstream lines(llama.out);
    int count = 0;
    for (std::string line; std::getline(lines, line); ++count) {
        EXPECT_EQ(line.front(), '^') << line;
        EXPECT_EQ(line.substr(line.size() - 6), "$=q8_0") << line;
    }
    EXPECT_EQ(count, 5) << llama.out;
}

TEST(CliExports, MisuseIsOneLineAndStatusTwo)
{
    struct Case {
        std::vector<std::string> args;
        std::string says;
    };
    const std::vector<Case> cases = {
        {{"analyze", kModel, "--keep-worst", "3"}, "say where the list goes"},
        {{"analyze", kModel, "--torch-qconfig", "-"}, "which layers to keep"},
        {{"analyze", kModel, "--keep-below", "loud", "--torch-qconfig", "-"}, "decibels"},
        {{"analyze", kModel, "--keep-type", "q9_9"}, "q9_9"},
        {{"analyze", kModel, "--json", "-", "--debugger-csv", "-"}, "only one report"},
        {{"analyze", kModel, "--keep-worst", "2", "--ort-exclude", "-"}, "names ONNX graph nodes"},
        {{"analyze", kModel, "--keep-worst", "2", "--llama-tensor-types", "-"},
         "llama-quantize reads GGUF"},
        {{"compare", kModel, kModel, "--debugger-csv", "-"}, "applies to analyze only"},
    };
    for (const Case& c : cases) {
        const CliRun r = runCli(c.args);
        EXPECT_EQ(r.status, 2) << c.says;
        EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
}

} // namespace
} // namespace qs

namespace qs {
namespace {

TEST(CliVs, SecondConfigurationBesideTheFirstInEveryLayout)
{
    const CliRun text = runCli({"analyze", kModel, "--vs", "--dtype int4  --granularity group:40"});
    ASSERT_EQ(text.status, 0) << text.err;
    EXPECT_NE(text.out.find("delta dB"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("vs --dtype int4 --granularity group:40: SQNR"), std::string::npos);

    const CliRun json =
        runCli({"analyze", kModel, "--dtype", "int6", "--vs", "--dtype int8", "--json", "-"});
    ASSERT_EQ(json.status, 0) << json.err;
    const auto doc = nlohmann::json::parse(json.out);
    EXPECT_EQ(doc["config"]["dtype"], "int6");
    EXPECT_EQ(doc["vs"]["config"]["dtype"], "int8");
    for (const auto& layer : doc["layers"]) {
        if (layer["sqnr_db"].is_number() && layer["vs"]["sqnr_db"].is_number()) {
            EXPECT_DOUBLE_EQ(layer["vs"]["delta_sqnr_db"].get<double>(),
                             layer["vs"]["sqnr_db"].get<double>() - layer["sqnr_db"].get<double>());
        }
    }
    EXPECT_GT(doc["vs"]["summary"]["delta_sqnr_db"].get<double>(), 6) << "two more bits";

    for (const auto& [args, says] : std::vector<std::pair<std::vector<std::string>, std::string>>{
             {{"analyze", kModel, "--vs", "--dtype int99"}, "--vs: --dtype"},
             {{"analyze", kModel, "--vs", "--tensors x"}, "--vs: unknown quantization option"},
             {{"analyze", kModel, "--vs"}, "--vs: missing value"},
             {{"compare", kModel, kModel, "--vs", "--dtype int4"}, "applies to analyze only"}}) {
        const CliRun bad = runCli(args);
        EXPECT_EQ(bad.status, 2) << says;
        EXPECT_NE(bad.err.find(says), std::string::npos) << bad.err;
    }
}

} // namespace
} // namespace qs

namespace qs {
namespace {

TEST(CliPlan, FitsTheBudgetAndBeatsEveryUniformOptionThatFits)
{
    const std::string onnx =
        (test::sharedModelsDir() / "ch_ppocr_mobile_v2.0_cls_infer.onnx").string();
    const CliRun r = runCli({"plan", onnx, "--budget", "4.5", "--json", "-"});
    ASSERT_EQ(r.status, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    const auto& plan = doc["plan"];
    EXPECT_LE(plan["bits_per_weight"].get<double>(), 4.5);
    EXPECT_TRUE(plan["proven_optimal"].get<bool>());
    double bits = 0;
    for (const auto& layer : plan["layers"])
        bits += layer["bits"].get<double>();
    EXPECT_DOUBLE_EQ(bits, plan["bits"].get<double>());
    bool anyFits = false;
    for (const auto& option : doc["options"]) {
        if (option["bits_per_weight"].get<double>() <= 4.5 && option["sqnr_db"].is_number()) {
            anyFits = true;
            EXPECT_GE(plan["sqnr_db"].get<double>(), option["sqnr_db"].get<double>())
                << option["option"];
        }
    }
    EXPECT_TRUE(anyFits);

    // A size budget, and the text form with every option listed.
    const CliRun text = runCli({"plan", kModel, "--budget", "0.2MB", "--pareto", "--formats",
                                "int8/channel,int4/group:40,int2/channel"});
    ASSERT_EQ(text.status, 0) << text.err;
    EXPECT_NE(text.out.find("int4/group:40"), std::string::npos);
    EXPECT_NE(text.out.find("budget: 0.200 MB"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("optimal (least total squared error"), std::string::npos);
}

TEST(CliPlan, LlamaTypesOnlyForWhatLlamaQuantizeWrites)
{
    const std::string gguf = (test::sharedModelsDir() / "ppocrv4_rec_svtr_neck.f32.gguf").string();
    // This file's names (linear_77.w_0 ...) do not end in "weight": llama-quantize would
    // leave every tensor as it is, so the plan may only keep them as stored (f32).
    const CliRun r =
        runCli({"plan", gguf, "--budget", "32", "--formats", "ggml", "--llama-tensor-types", "-"});
    ASSERT_EQ(r.status, 0) << r.err;
    std::istringstream lines(r.out);
    int count = 0;
    for (std::string line; std::getline(lines, line); ++count)
        EXPECT_EQ(line.substr(line.rfind('=') + 1), "f32") << line;
    EXPECT_EQ(count, 26);

    struct Case {
        std::vector<std::string> args;
        std::string says;
    };
    for (const Case& c : std::vector<Case>{
             {{"plan", gguf, "--budget", "4", "--llama-tensor-types", "-"}, "--formats ggml"},
             {{"plan", gguf, "--budget", "20", "--formats", "ggml", "--llama-tensor-types", "-"},
              "below the smallest plan"},
             {{"plan", kModel, "--budget", "20", "--formats", "ggml", "--llama-tensor-types", "-"},
              "llama-quantize reads GGUF"},
             {{"plan", gguf, "--budget", "4", "--tensors", "("}, "--tensors: invalid"},
             {{"plan", gguf}, "missing --budget"},
             {{"plan", gguf, "--budget", "4bits"}, "--budget: invalid value"},
             {{"plan", gguf, "--budget", "0.001MB"}, "below the smallest plan"},
             {{"plan", gguf, "--budget", "4", "--formats", "int4/rows"}, "'int4/rows'"},
             {{"plan", gguf, "--budget", "4", "--csv", "-"}, "--csv applies to"}}) {
        const CliRun bad = runCli(c.args);
        EXPECT_EQ(bad.status, 2) << c.says;
        EXPECT_NE(bad.err.find(c.says), std::string::npos) << bad.err;
    }
}

TEST(Cli, ConventionsCountsWhereEachFrameworkPartsFromTheChosenOne)
{
    const CliRun json = runCli({"conventions", kModel, "--granularity", "channel", "--json", "-"});
    ASSERT_EQ(json.status, 0) << json.err;
    const auto j = nlohmann::json::parse(json.out);
    EXPECT_EQ(j["chosen"], "default");
    ASSERT_EQ(j["model"].size(), 7u);
    EXPECT_EQ(j["model"][0]["convention"], "default");
    EXPECT_EQ(j["model"][0]["differing"], 0);
    // The model row is the sum of the tensor rows.
    std::uint64_t pytorch = 0, compared = 0;
    for (const auto& tensor : j["tensors"]) {
        pytorch += tensor["conventions"][1]["differing"].get<std::uint64_t>();
        compared += tensor["conventions"][1]["compared"].get<std::uint64_t>();
    }
    EXPECT_EQ(j["model"][1]["differing"].get<std::uint64_t>(), pytorch);
    EXPECT_EQ(j["model"][1]["compared"].get<std::uint64_t>(), compared);
    EXPECT_GT(pytorch, compared / 2);

    const CliRun text = runCli({"conventions", kModel, "--convention", "tflite", "--scheme",
                                "symmetric", "--tensors", "linear"});
    ASSERT_EQ(text.status, 0) << text.err;
    EXPECT_NE(text.out.find("tflite (chosen)"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("ties away from zero"), std::string::npos);

    const CliRun affine = runCli({"conventions", kModel, "--scheme", "asymmetric"});
    ASSERT_EQ(affine.status, 0) << affine.err;
    EXPECT_NE(affine.out.find("tflite: not applicable"), std::string::npos) << affine.out;
}

TEST(Cli, ConventionsRefusesWhatHasNoConvention)
{
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"conventions", kModel, "--dtype", "fp8-e4m3"},
          {"conventions", kModel, "--preset", "gguf-q8_0"},
          {"conventions", kModel, "--csv", "-"},
          {"conventions", kModel, "--convention", "ggml", "--scheme", "asymmetric"},
          {"analyze", kModel, "--convention", "caffe"}}) {
        const CliRun r = runCli(args);
        EXPECT_EQ(r.status, 2) << args.back();
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
}

} // namespace
} // namespace qs
