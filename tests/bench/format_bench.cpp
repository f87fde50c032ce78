// Opening large GGUF and ONNX files: `info` must cost little beyond reading the header
// (GGUF) or beyond protobuf's own parse (ONNX), which is measured in the same process.

#include "common/mapped_file.h"
#include "formats/model_file.h"

#include <benchmark/benchmark.h>
#include <filesystem>
#include <fstream>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <onnx/onnx_pb.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace qs::bench {
namespace {

namespace fs = std::filesystem;

void putVarint(std::string& out, std::uint64_t value)
{
    while (value >= 0x80) {
        out += static_cast<char>((value & 0x7f) | 0x80);
        value >>= 7;
    }
    out += static_cast<char>(value);
}

template <typename T> void putLE(std::string& out, T value)
{
    out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

void putGgufString(std::string& out, const std::string& text)
{
    putLE<std::uint64_t>(out, text.size());
    out += text;
}

// A GGUF laid out like a Q4_K language model of about 2 GiB (16 layers of a 7B model's
// shapes): a 150 000-entry tokenizer vocabulary with scores in the metadata, 147 tensors,
// and a data section left as a hole.
std::string largeGguf()
{
    const fs::path path = fs::temp_directory_path() / "quantscope-bench-2g.gguf";
    std::string header = "GGUF";
    putLE<std::uint32_t>(header, 3);
    constexpr int kLayers = 16, kPerLayer = 9, kTensors = kLayers * kPerLayer + 3;
    putLE<std::uint64_t>(header, kTensors);
    putLE<std::uint64_t>(header, 3);
    putGgufString(header, "general.architecture");
    putLE<std::uint32_t>(header, 8);
    putGgufString(header, "llama");
    putGgufString(header, "tokenizer.ggml.tokens");
    putLE<std::uint32_t>(header, 9);
    putLE<std::uint32_t>(header, 8);
    putLE<std::uint64_t>(header, 150000);
    for (int i = 0; i < 150000; ++i)
        putGgufString(header, "token_" + std::to_string(i));
    putGgufString(header, "tokenizer.ggml.scores");
    putLE<std::uint32_t>(header, 9);
    putLE<std::uint32_t>(header, 6);
    putLE<std::uint64_t>(header, 150000);
    for (int i = 0; i < 150000; ++i)
        putLE<float>(header, -static_cast<float>(i));
    std::uint64_t offset = 0;
    const auto tensor = [&](const std::string& name, std::uint64_t cols, std::uint64_t rows) {
        putGgufString(header, name);
        putLE<std::uint32_t>(header, 2);
        putLE<std::uint64_t>(header, cols);
        putLE<std::uint64_t>(header, rows);
        putLE<std::uint32_t>(header, 12); // Q4_K: 144 bytes per 256 elements
        putLE<std::uint64_t>(header, offset);
        offset += (cols * rows / 256 * 144 + 31) / 32 * 32;
    };
    tensor("token_embd.weight", 4096, 32000);
    tensor("output.weight", 4096, 32000);
    tensor("output_norm.weight", 4096, 1);
    for (int layer = 0; layer < kLayers; ++layer) {
        const std::string p = "blk." + std::to_string(layer) + ".";
        for (const char* name : {"attn_q", "attn_k", "attn_v", "attn_output"})
            tensor(p + name + ".weight", 4096, 4096);
        tensor(p + "ffn_gate.weight", 4096, 11008);
        tensor(p + "ffn_up.weight", 4096, 11008);
        tensor(p + "ffn_down.weight", 11008, 4096);
        tensor(p + "attn_norm.weight", 4096, 1);
        tensor(p + "ffn_norm.weight", 4096, 1);
    }
    header.resize((header.size() + 31) / 32 * 32, '\0');
    const std::uint64_t total = header.size() + offset;
    if (!fs::exists(path) || fs::file_size(path) != total) {
        std::ofstream(path, std::ios::binary)
            .write(header.data(), static_cast<long>(header.size()));
        fs::resize_file(path, total); // the weights: a hole that reads as zeros
    }
    return path.string();
}

// An ONNX model just under protobuf's 2 GiB limit: 60 float initializers of 32 MiB in
// raw_data (zeros, written as a hole), with Gemm nodes reading them.
std::string largeOnnx()
{
    const fs::path path = fs::temp_directory_path() / "quantscope-bench-2g.onnx";
    constexpr int kTensors = 60;
    constexpr std::uint64_t kRows = 2048, kCols = 4096, kBytes = kRows * kCols * 4;
    // GraphProto: initializers (field 5) then nodes (field 1); each initializer is written
    // up to its raw_data payload, which is skipped as a hole.
    std::string graph;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> holes; // (position in graph, size)
    for (int i = 0; i < kTensors; ++i) {
        const std::string name = "layer" + std::to_string(i) + ".weight";
        std::string tensor;
        tensor += '\x08'; // dims
        putVarint(tensor, kRows);
        tensor += '\x08';
        putVarint(tensor, kCols);
        tensor += '\x10'; // data_type FLOAT
        putVarint(tensor, 1);
        tensor += '\x42'; // name
        putVarint(tensor, name.size());
        tensor += name;
        tensor += '\x4a'; // raw_data
        putVarint(tensor, kBytes);
        graph += '\x2a';
        putVarint(graph, tensor.size() + kBytes);
        graph += tensor;
        holes.emplace_back(graph.size(), kBytes);
        graph.append(1, '\0'); // placeholder marking the hole's position
    }
    for (int i = 0; i < kTensors; ++i) {
        onnx::NodeProto node;
        node.set_op_type("Gemm");
        node.add_input("x" + std::to_string(i));
        node.add_input("layer" + std::to_string(i) + ".weight");
        node.add_output("x" + std::to_string(i + 1));
        auto* attribute = node.add_attribute();
        attribute->set_name("transB");
        attribute->set_type(onnx::AttributeProto::INT);
        attribute->set_i(1);
        const std::string bytes = node.SerializeAsString();
        graph += '\x0a';
        putVarint(graph, bytes.size());
        graph += bytes;
    }
    std::uint64_t graphSize = graph.size() - holes.size();
    for (const auto& hole : holes)
        graphSize += hole.second;
    std::string head;
    head += '\x08'; // ir_version
    putVarint(head, 8);
    head += '\x3a'; // graph
    putVarint(head, graphSize);
    const std::uint64_t total = head.size() + graphSize;
    if (!fs::exists(path) || fs::file_size(path) != total) {
        std::ofstream out(path, std::ios::binary);
        out.write(head.data(), static_cast<long>(head.size()));
        std::uint64_t from = 0;
        for (const auto& [at, size] : holes) {
            out.write(graph.data() + from, static_cast<long>(at - from));
            out.seekp(static_cast<long>(size), std::ios::cur);
            from = at + 1;
        }
        out.write(graph.data() + from, static_cast<long>(graph.size() - from));
    }
    return path.string();
}

void BM_InfoGguf2GB(benchmark::State& state)
{
    static const std::string path = largeGguf();
    for (auto _ : state) {
        const auto model = openModel(path);
        benchmark::DoNotOptimize(model->tensors().size());
    }
    state.counters["file_GiB"] = static_cast<double>(fs::file_size(path)) / (1ull << 30);
}
BENCHMARK(BM_InfoGguf2GB)->Unit(benchmark::kMillisecond);

// The baseline of BM_InfoOnnx2GB: protobuf's parse of the same file, nothing else.
void BM_OnnxProtobufParse2GB(benchmark::State& state)
{
    static const std::string path = largeOnnx();
    for (auto _ : state) {
        const auto file = MappedFile::open(path);
        google::protobuf::io::ArrayInputStream stream(file->bytes().data(),
                                                      static_cast<int>(file->size()));
        google::protobuf::io::CodedInputStream coded(&stream);
        coded.SetTotalBytesLimit(static_cast<int>(file->size()));
        onnx::ModelProto model;
        if (!model.ParseFromCodedStream(&coded))
            state.SkipWithError("parse failed");
        benchmark::DoNotOptimize(model.graph().initializer_size());
    }
}
BENCHMARK(BM_OnnxProtobufParse2GB)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_InfoOnnx2GB(benchmark::State& state)
{
    static const std::string path = largeOnnx();
    for (auto _ : state) {
        const auto model = openModel(path);
        benchmark::DoNotOptimize(model->tensors().size());
    }
    state.counters["file_GiB"] = static_cast<double>(fs::file_size(path)) / (1ull << 30);
}
BENCHMARK(BM_InfoOnnx2GB)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace
} // namespace qs::bench
