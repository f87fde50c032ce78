// Exports for other tools, read back the way those tools read them: the debugger table's
// columns and numbers, node names ONNX Runtime matches, patterns llama-quantize searches
// (each must pick out exactly its tensor), and QConfigMapping's module entries.
#include "analysis/layer_ranking.h"
#include "common/error.h"
#include "formats/model_file.h"
#include "report/tool_exports.h"
#include "support/test_files.h"

#include <fstream>
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <regex>
#include <set>
#include <sstream>

namespace qs {
namespace {

struct Analysed {
    std::unique_ptr<ModelFile> model;
    ModelReport report;
};

Analysed analyse(const std::string& file, const char* granularity = "tensor")
{
    Analysed a;
    a.model = openModel((test::sharedModelsDir() / file).string());
    QuantConfig config;
    config.format = parseNumberFormat("int4");
    config.granularity = parseGranularity(granularity);
    a.report = analyzeModel(*a.model, config);
    return a;
}

std::vector<std::string> split(const std::string& text, const std::string& separator)
{
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t at; (at = text.find(separator, start)) != std::string::npos;
         start = at + separator.size())
        parts.push_back(text.substr(start, at - start));
    parts.push_back(text.substr(start));
    return parts;
}

TEST(DebuggerExport, ColumnsAndNumbersOfEveryLayer)
{
    const Analysed a = analyse("ppocrv4_rec_svtr_neck.safetensors");
    std::ostringstream csv;
    writeDebuggerCsv(csv, a.report, a.model->tensors());
    auto lines = split(csv.str(), "\r\n");
    ASSERT_EQ(lines.back(), ""); // every row ends in CRLF
    lines.pop_back();
    ASSERT_EQ(lines.size(), a.report.layers.size() + 1);
    EXPECT_EQ(lines[0], "op_name,tensor_idx,num_elements,stddev,mean_error,max_abs_error,"
                        "mean_squared_error,scale,zero_point,tensor_name");
    const nlohmann::ordered_json json = debuggerJson(a.report, a.model->tensors());
    ASSERT_EQ(json.size(), a.report.layers.size());
    for (std::size_t i = 0; i < a.report.layers.size(); ++i) {
        const LayerReport& layer = a.report.layers[i];
        const auto cells = split(lines[i + 1], ",");
        ASSERT_EQ(cells.size(), 10u) << lines[i + 1];
        const std::size_t index = std::stoul(cells[1]);
        ASSERT_LT(index, a.model->tensors().size());
        EXPECT_EQ(a.model->tensors()[index].name, layer.name);
        EXPECT_EQ(cells[9], layer.name);
        EXPECT_EQ(std::stoull(cells[2]), layer.metrics.count);
        EXPECT_EQ(std::stod(cells[6]), layer.metrics.mse); // %.17g: exact
        EXPECT_EQ(std::stod(cells[5]), layer.metrics.maxAbsErr);
        EXPECT_EQ(std::stod(cells[7]), *layer.scale); // per tensor: one scale
        const double stddev = std::stod(cells[3]), mean = std::stod(cells[4]);
        EXPECT_NEAR(stddev * stddev + mean * mean, layer.metrics.mse, 1e-9 * layer.metrics.mse);
        EXPECT_EQ(json[i]["tensor_name"], layer.name);
        EXPECT_EQ(json[i]["mean_squared_error"].get<double>(), layer.metrics.mse);
        EXPECT_EQ(json[i].begin().key(), "op_name");
    }
}

TEST(DebuggerExport, ScaleOnlyWhereOnePairDescribesTheTensor)
{
    const Analysed a = analyse("ppocrv4_rec_svtr_neck.safetensors", "channel");
    std::ostringstream csv;
    writeDebuggerCsv(csv, a.report, a.model->tensors());
    auto lines = split(csv.str(), "\r\n");
    for (std::size_t i = 0; i < a.report.layers.size(); ++i) {
        const auto cells = split(lines[i + 1], ",");
        const bool oneBlock = a.report.layers[i].blocks == 1;
        EXPECT_EQ(cells[7].empty(), !oneBlock) << lines[i + 1];
        EXPECT_EQ(cells[8].empty(), !oneBlock) << lines[i + 1];
    }
}

TEST(DebuggerExport, OperatorOfOnnxWeights)
{
    const Analysed a = analyse("ch_ppocr_mobile_v2.0_cls_infer.onnx");
    const nlohmann::ordered_json json = debuggerJson(a.report, a.model->tensors());
    std::set<std::string> ops;
    for (const auto& row : json)
        ops.insert(row["op_name"].get<std::string>());
    EXPECT_TRUE(ops.count("Conv")) << "the reading operator, as the debugger's op_name";
}

TEST(KeepExport, OrtListsTheNodesThatReadTheKeptWeights)
{
    const Analysed a = analyse("ch_ppocr_mobile_v2.0_cls_infer.onnx");
    const auto kept = layersToKeep(a.report, {4, std::nullopt});
    const auto json = ortNodesToExclude(a.report, a.model->tensors(), kept);
    std::set<std::string> expected;
    for (std::size_t index : kept)
        for (const TensorInfo& info : a.model->tensors())
            if (info.name == a.report.layers[index].name)
                expected.insert(info.use->node);
    const auto nodes = json.at("nodes_to_exclude").get<std::vector<std::string>>();
    EXPECT_EQ(std::set<std::string>(nodes.begin(), nodes.end()), expected);
    EXPECT_EQ(nodes.size(), expected.size()) << "each node once";
    EXPECT_FALSE(nodes.empty());

    const Analysed safetensors = analyse("ppocrv4_rec_svtr_neck.safetensors");
    EXPECT_THROW(ortNodesToExclude(safetensors.report, safetensors.model->tensors(), {0}),
                 UsageError);
}

// A weight read twice: by a Transpose feeding one MatMul, and by a second MatMul directly;
// a second weight goes through a Cast and an unnamed node.
std::string sharedWeightModel(const test::TempDir& dir)
{
    onnx::ModelProto model;
    model.set_ir_version(8);
    model.add_opset_import()->set_version(17);
    onnx::GraphProto& graph = *model.mutable_graph();
    graph.set_name("shared");
    for (const char* name : {"w", "v"}) {
        onnx::TensorProto& init = *graph.add_initializer();
        init.set_name(name);
        init.set_data_type(onnx::TensorProto::FLOAT);
        init.add_dims(2);
        init.add_dims(2);
        for (float value : {0.5f, -1.0f, 0.25f, 2.0f})
            init.add_float_data(value);
    }
    const auto node = [&graph](const char* name, const char* op,
                               std::initializer_list<const char*> inputs, const char* output) {
        onnx::NodeProto& n = *graph.add_node();
        n.set_name(name);
        n.set_op_type(op);
        for (const char* input : inputs)
            n.add_input(input);
        n.add_output(output);
    };
    node("transpose_w", "Transpose", {"w"}, "wt");
    node("mm_a", "MatMul", {"x", "wt"}, "a");
    node("mm_b", "MatMul", {"x", "w"}, "b");
    node("cast_v", "Cast", {"v"}, "vc");
    node("", "Identity", {"vc"}, "vi");
    node("add_v", "Add", {"a", "vi"}, "y");
    const std::string path = dir.file("shared.onnx").string();
    std::ofstream out(path, std::ios::binary);
    model.SerializeToOstream(&out);
    return path;
}

TEST(KeepExport, OrtListsEveryNodeThatReadsAWeightThroughReshapesAndCasts)
{
    test::TempDir dir;
    const auto model = openModel(sharedWeightModel(dir));
    QuantConfig config;
    const ModelReport report = analyzeModel(*model, config);
    ASSERT_EQ(report.layers.size(), 2u);
    std::vector<std::size_t> both{0, 1};
    const auto nodes = ortNodesToExclude(report, model->tensors(), both)
                           .at("nodes_to_exclude")
                           .get<std::vector<std::string>>();
    // Nearest first; the unnamed Identity cannot be named, what it feeds can.
    const std::set<std::string> listed(nodes.begin(), nodes.end());
    EXPECT_EQ(listed, (std::set<std::string>{"transpose_w", "mm_a", "mm_b", "cast_v", "add_v"}));
    EXPECT_EQ(nodes.size(), listed.size());
    for (const TensorInfo& info : model->tensors()) {
        ASSERT_TRUE(info.use);
        if (info.name == "w") {
            EXPECT_EQ(info.use->readers, (std::vector<std::string>{"transpose_w", "mm_b", "mm_a"}));
        }
    }
}

TEST(KeepExport, LlamaPatternsPickOutExactlyTheirTensor)
{
    const Analysed a = analyse("ppocrv4_rec_svtr_neck.f32.gguf");
    std::vector<std::size_t> all(a.report.layers.size());
    for (std::size_t i = 0; i < all.size(); ++i)
        all[i] = i;
    std::ostringstream out;
    writeLlamaTensorTypes(out, a.report, all, "q8_0");
    auto lines = split(out.str(), "\n");
    lines.pop_back();
    ASSERT_EQ(lines.size(), all.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto equals = lines[i].rfind('=');
        ASSERT_NE(equals, std::string::npos);
        EXPECT_EQ(lines[i].substr(equals + 1), "q8_0");
        // As llama-quantize matches: regex_search over every tensor name of the file.
        const std::regex pattern(lines[i].substr(0, equals));
        std::vector<std::string> matched;
        for (const TensorInfo& info : a.model->tensors())
            if (std::regex_search(info.name, pattern))
                matched.push_back(info.name);
        ASSERT_EQ(matched.size(), 1u) << lines[i];
        EXPECT_EQ(matched[0], a.report.layers[i].name);
    }
    EXPECT_THROW(writeLlamaTensorTypes(out, a.report, all, "q9_9"), UsageError);
    EXPECT_TRUE(isLlamaKeepType("Q6_K"));
}

TEST(KeepExport, TorchMappingNamesEachModuleOnce)
{
    const Analysed a = analyse("ppocrv4_rec_svtr_neck.safetensors");
    std::vector<std::size_t> kept;
    for (std::size_t i = 0; i < a.report.layers.size(); ++i)
        if (a.report.layers[i].name.rfind("linear_81.", 0) == 0)
            kept.push_back(i); // its weight and its bias
    ASSERT_EQ(kept.size(), 2u);
    const auto json = torchQconfigMapping(a.report, kept);
    EXPECT_EQ(json.dump(), R"({"module_name":[["linear_81",null]]})");
}

} // namespace
} // namespace qs
