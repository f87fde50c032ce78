#pragma once
// A model file opened for analysis: its tensor list (read from the header only) and
// lazy access to one tensor's bytes at a time.

#include "tensor/tensor.h"

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace qs {

class ModelFile {
public:
    virtual ~ModelFile() = default;

    const std::string& path() const { return path_; }
    // "safetensors", "npy", "npz", ...
    virtual std::string format() const = 0;
    const std::vector<TensorInfo>& tensors() const { return tensors_; }
    // Free-form metadata the file carries (safetensors __metadata__, ...), as JSON.
    const nlohmann::json& metadata() const { return metadata_; }

    // Reads tensor `index` (little-endian, C order). Safe to call from several threads.
    // Throws InputError if the data turns out to be unreadable (e.g. corrupt deflate).
    virtual TensorBytes read(std::size_t index) const = 0;

protected:
    explicit ModelFile(std::string path)
        : path_(std::move(path))
        , metadata_(nlohmann::json::object())
    {
    }

    std::string path_;
    std::vector<TensorInfo> tensors_;
    nlohmann::json metadata_;
};

// Opens any supported model file, recognising the format by its content: GGUF, safetensors
// (and a sharded model's *.safetensors.index.json), .npy and .npz. Throws InputError
// naming the file and the problem.
std::unique_ptr<ModelFile> openModel(const std::string& path);

// Longest tensor name openModel accepts (real names are a few hundred bytes at most).
constexpr std::size_t kMaxTensorNameBytes = 4096;

// Multiplies the dimensions of `shape`, refusing negative dimensions and products that do
// not fit in 64 bits; returns false on either.
bool checkedNumel(const Shape& shape, std::uint64_t& numel);

} // namespace qs
