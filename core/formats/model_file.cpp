#include "formats/model_file.h"

#include "common/error.h"
#include "common/mapped_file.h"
#include "formats/gguf_reader.h"
#include "formats/numpy_reader.h"
#include "formats/onnx_reader.h"
#include "formats/pytorch_reader.h"
#include "formats/safetensors_reader.h"
#include "formats/tflite_reader.h"

#include <cctype>
#include <cstring>

namespace qs {

bool checkedNumel(const Shape& shape, std::uint64_t& numel)
{
    std::uint64_t product = 1;
    for (std::int64_t dim : shape) {
        if (dim < 0)
            return false;
        if (__builtin_mul_overflow(product, static_cast<std::uint64_t>(dim), &product))
            return false;
    }
    numel = product;
    return true;
}

namespace {
enum class Detected {
    Safetensors,
    SafetensorsIndex,
    Npy,
    Zip,
    Gguf,
    PytorchLegacy,
    Tflite,
    Tar,
    Unknown
};

Detected detect(std::span<const std::uint8_t> head, std::uint64_t fileSize)
{
    if (head.size() >= 4 && std::memcmp(head.data(), "GGUF", 4) == 0)
        return Detected::Gguf;
    if (head.size() >= 6 && std::memcmp(head.data(), "\x93NUMPY", 6) == 0)
        return Detected::Npy;
    if (head.size() >= 4 && std::memcmp(head.data(), "PK\x03\x04", 4) == 0)
        return Detected::Zip;
    if (head.size() >= 4 && std::memcmp(head.data(), "PK\x05\x06", 4) == 0)
        return Detected::Zip; // an empty zip archive
    if (isPytorchLegacy(head))
        return Detected::PytorchLegacy;
    if (isTflite(head))
        return Detected::Tflite;
    // safetensors: u64 header length, then a JSON object.
    if (head.size() >= 9 && head[8] == '{') {
        std::uint64_t headerLength;
        std::memcpy(&headerLength, head.data(), 8);
        if (headerLength >= 2 && headerLength <= fileSize - 8)
            return Detected::Safetensors;
    }
    std::size_t i = 0;
    while (i < head.size() && std::isspace(head[i]))
        ++i;
    if (i < head.size() && head[i] == '{')
        return Detected::SafetensorsIndex;
    if (head.size() >= 9 && head[8] == '{')
        return Detected::Safetensors; // a header length that lies: let the reader say so
    return Detected::Unknown;
}
} // namespace

namespace {
std::unique_ptr<ModelFile> openByContent(const std::string& path);
}

// Names come from the file and go through regular expressions (--tensors, the GUI filter),
// whose matching recurses per character: a name of 200 KB overflows the stack.
std::unique_ptr<ModelFile> openModel(const std::string& path)
{
    auto model = openByContent(path);
    for (const TensorInfo& info : model->tensors())
        if (info.name.size() > kMaxTensorNameBytes)
            throw InputError(path, info.offset,
                             "a tensor name of " + std::to_string(info.name.size()) +
                                 " bytes (at most " + std::to_string(kMaxTensorNameBytes) + ")");
    return model;
}

namespace {
std::unique_ptr<ModelFile> openByContent(const std::string& path)
{
    auto file = MappedFile::open(path);
    const auto bytes = file->bytes();
    const auto head = bytes.first(std::min<std::size_t>(bytes.size(), 64));
    const bool tar = bytes.size() >= 262 && std::memcmp(bytes.data() + 257, "ustar", 5) == 0;
    switch (tar ? Detected::Tar : detect(head, file->size())) {
    case Detected::Safetensors:
        return openSafetensors(file);
    case Detected::SafetensorsIndex:
        return openSafetensorsIndex(file);
    case Detected::Npy:
        return openNpy(file);
    case Detected::Zip:
        if (isPytorchZip(bytes, path))
            return openPytorchZip(file);
        return openNpz(file);
    case Detected::PytorchLegacy:
        return openPytorchLegacy(file);
    case Detected::Tflite:
        return openTflite(file);
    case Detected::Tar:
        throw InputError(path, 0,
                         "tar checkpoints of PyTorch before 0.4 are not supported; "
                         "re-save the model with torch.save");
    case Detected::Gguf:
        return openGguf(file);
    case Detected::Unknown:
        break;
    }
    if (bytes.empty())
        throw InputError(path, std::nullopt, "the file is empty");
    if (looksLikeOnnx(head, path))
        return openOnnx(file);
    if (path.ends_with(".tflite"))
        return openTflite(file); // says what is wrong with the file
    throw InputError(path, 0,
                     "unrecognised model format (expected safetensors, GGUF, ONNX, TFLite, "
                     "PyTorch, .npy or .npz content)");
}

} // namespace

} // namespace qs
