#include "synthetic_model.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <unistd.h>
#include <vector>

namespace qs::bench {

namespace {
std::string header(DType dtype, int tensors, std::int64_t rows, std::int64_t cols)
{
    nlohmann::ordered_json doc;
    const std::uint64_t bytes = static_cast<std::uint64_t>(rows * cols) * dtypeSize(dtype);
    for (int t = 0; t < tensors; ++t)
        doc["layer." + std::to_string(t) + ".weight"] = {
            {"dtype", dtypeName(dtype)},
            {"shape", {rows, cols}},
            {"data_offsets", {bytes * t, bytes * (t + 1)}}};
    std::string text = doc.dump();
    text.append((8 - (8 + text.size()) % 8) % 8, ' '); // keep float data 8-byte aligned
    return text;
}

void writeHeader(std::ofstream& out, const std::string& text)
{
    const std::uint64_t length = text.size();
    out.write(reinterpret_cast<const char*>(&length), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

std::uint16_t toHalfBits(float x, DType dtype)
{
    std::uint32_t bits;
    std::memcpy(&bits, &x, 4);
    if (dtype == DType::BF16)
        return static_cast<std::uint16_t>((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);
    // Gaussian weights of sigma 0.02 are normal fp16 numbers: truncating rounding is fine
    // for benchmark data.
    const std::uint32_t sign = (bits >> 16) & 0x8000;
    const int exponent = static_cast<int>((bits >> 23) & 0xff) - 127 + 15;
    if (exponent <= 0)
        return static_cast<std::uint16_t>(sign);
    return static_cast<std::uint16_t>(sign | (exponent << 10) | ((bits >> 13) & 0x3ff));
}
} // namespace

std::string syntheticModel(DType dtype, int tensors, std::int64_t rows, std::int64_t cols)
{
    const std::string text = header(dtype, tensors, rows, cols);
    const std::uint64_t dataBytes =
        static_cast<std::uint64_t>(tensors * rows * cols) * dtypeSize(dtype);
    const auto path =
        std::filesystem::temp_directory_path() /
        ("quantscope-bench-" + std::string(dtypeName(dtype)) + "-" + std::to_string(tensors) + "x" +
         std::to_string(rows) + "x" + std::to_string(cols) + ".safetensors");
    std::error_code ec;
    if (std::filesystem::file_size(path, ec) == 8 + text.size() + dataBytes)
        return path.string();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    writeHeader(out, text);
    std::mt19937 rng(1234);
    std::normal_distribution<float> dist(0.0f, 0.02f);
    // One write per tensor: the page cache then holds the file in large folios, as it does
    // for a model written or copied by ordinary tools. Row-sized writes leave small folios
    // that make every later mapping of the file about 1.5x slower to fault in.
    const auto elements = static_cast<std::size_t>(rows * cols);
    std::vector<char> tensor(elements * dtypeSize(dtype));
    for (int t = 0; t < tensors; ++t) {
        for (std::size_t i = 0; i < elements; ++i) {
            const float v = dist(rng);
            if (dtype == DType::F32) {
                std::memcpy(tensor.data() + i * 4, &v, 4);
            } else {
                const std::uint16_t h = toHalfBits(v, dtype);
                std::memcpy(tensor.data() + i * 2, &h, 2);
            }
        }
        out.write(tensor.data(), static_cast<std::streamsize>(tensor.size()));
    }
    return path.string();
}

std::string sparseModel(std::uint64_t bytes)
{
    constexpr int kTensors = 64;
    const std::int64_t cols = 4096;
    const std::int64_t rows = static_cast<std::int64_t>(bytes / 4 / kTensors / cols);
    const std::string text = header(DType::F32, kTensors, rows, cols);
    const auto path =
        std::filesystem::temp_directory_path() / "quantscope-bench-sparse.safetensors";
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        writeHeader(out, text);
    }
    std::filesystem::resize_file(path, 8 + text.size() +
                                           static_cast<std::uint64_t>(kTensors * rows * cols) * 4);
    return path.string();
}

} // namespace qs::bench
