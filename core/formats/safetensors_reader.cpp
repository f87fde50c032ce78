#include "formats/safetensors_reader.h"

#include "common/byte_reader.h"
#include "common/error.h"
#include "common/mapped_file.h"
#include "formats/json_header.h"

#include <algorithm>
#include <filesystem>
#include <map>

namespace qs {

namespace {
// The reference implementation refuses headers above 100 MB; so do we, before parsing.
constexpr std::uint64_t kMaxHeaderBytes = 100ull << 20;
constexpr std::uint64_t kMaxIndexBytes = 64ull << 20;

class SafetensorsFile final : public ModelFile {
public:
    explicit SafetensorsFile(std::shared_ptr<const MappedFile> file)
        : ModelFile(file->path())
        , file_(std::move(file))
    {
        parse();
    }

    std::string format() const override { return "safetensors"; }

    TensorBytes read(std::size_t index) const override
    {
        const TensorInfo& info = tensors_.at(index);
        return TensorBytes::mapped(file_, info.offset, info.nbytes);
    }

private:
    void parse();
    TensorInfo parseEntry(const std::string& name, const nlohmann::json& entry,
                          std::span<const std::uint8_t> header, std::uint64_t dataStart,
                          std::uint64_t dataSize) const;

    std::shared_ptr<const MappedFile> file_;
};

void SafetensorsFile::parse()
{
    ByteReader reader(file_->bytes(), path_);
    const auto headerLength = reader.readLE<std::uint64_t>("the 8-byte header length");
    if (headerLength > reader.remaining())
        reader.fail(0, "header length " + std::to_string(headerLength) + " exceeds the " +
                           std::to_string(reader.remaining()) + " bytes after it");
    if (headerLength > kMaxHeaderBytes)
        reader.fail(0,
                    "header length " + std::to_string(headerLength) + " exceeds the 100 MB limit");
    const auto header = reader.take(headerLength, "JSON header");
    const nlohmann::json root = parseStrictJson(header, path_, 8);
    if (!root.is_object())
        reader.fail(8, "JSON header is not an object");

    const std::uint64_t dataStart = 8 + headerLength;
    const std::uint64_t dataSize = file_->size() - dataStart;
    for (const auto& [name, entry] : root.items()) {
        if (name == "__metadata__") {
            if (!entry.is_object())
                reader.fail(findJsonKeyOffset(header, name, 8), "__metadata__ is not an object");
            for (const auto& [key, value] : entry.items())
                if (!value.is_string())
                    reader.fail(findJsonKeyOffset(header, key, 8),
                                "__metadata__ value of \"" + printable(key) + "\" is not a string");
            metadata_ = entry;
            continue;
        }
        tensors_.push_back(parseEntry(name, entry, header, dataStart, dataSize));
    }

    // Storage order is the order a model was written in, usually its layer order.
    std::sort(tensors_.begin(), tensors_.end(), [](const TensorInfo& a, const TensorInfo& b) {
        return a.offset != b.offset ? a.offset < b.offset : a.name < b.name;
    });
    // Sorted by start, a tensor overlaps an earlier one exactly when it starts before the
    // furthest end seen so far (empty tensors occupy nothing and are passed over).
    const TensorInfo* furthest = nullptr;
    for (const TensorInfo& current : tensors_) {
        if (current.nbytes == 0)
            continue;
        if (furthest && current.offset < furthest->offset + furthest->nbytes)
            reader.fail(findJsonKeyOffset(header, current.name, 8),
                        "data of \"" + printable(current.name) + "\" overlaps the data of \"" +
                            printable(furthest->name) + "\"");
        if (!furthest || current.offset + current.nbytes > furthest->offset + furthest->nbytes)
            furthest = &current;
    }
}

TensorInfo SafetensorsFile::parseEntry(const std::string& name, const nlohmann::json& entry,
                                       std::span<const std::uint8_t> header,
                                       std::uint64_t dataStart, std::uint64_t dataSize) const
{
    const std::uint64_t at = findJsonKeyOffset(header, name, 8);
    auto fail = [&](const std::string& problem) -> void {
        throw InputError(path_, at, "tensor \"" + printable(name) + "\": " + problem);
    };
    if (!entry.is_object())
        fail("entry is not an object");
    const auto dtypeField = entry.find("dtype");
    const auto shapeField = entry.find("shape");
    const auto offsetsField = entry.find("data_offsets");
    if (dtypeField == entry.end() || !dtypeField->is_string())
        fail("missing or non-string \"dtype\"");
    if (shapeField == entry.end() || !shapeField->is_array())
        fail("missing or non-array \"shape\"");
    if (offsetsField == entry.end() || !offsetsField->is_array() || offsetsField->size() != 2)
        fail("\"data_offsets\" must be an array of two integers");

    TensorInfo info;
    info.name = name;
    info.file = path_;
    const auto& dtypeName = dtypeField->get_ref<const std::string&>();
    const auto dtype = dtypeFromName(dtypeName);
    if (!dtype || isBlockType(*dtype)) // block types are ggml's, not safetensors'
        fail("unknown dtype \"" + printable(dtypeName) + "\"");
    info.dtype = *dtype;
    for (const auto& dim : *shapeField) {
        if (!dim.is_number_unsigned())
            fail("shape entries must be non-negative integers");
        info.shape.push_back(static_cast<std::int64_t>(std::min<std::uint64_t>(
            dim.get<std::uint64_t>(), std::numeric_limits<std::int64_t>::max())));
        if (dim.get<std::uint64_t>() > static_cast<std::uint64_t>(info.shape.back()))
            fail("shape dimension too large");
    }
    if (!checkedNumel(info.shape, info.numel))
        fail("shape " + shapeToString(info.shape) + " has more elements than 64 bits can count");
    for (const auto& offset : *offsetsField)
        if (!offset.is_number_unsigned())
            fail("\"data_offsets\" must be non-negative integers");
    const auto begin = (*offsetsField)[0].get<std::uint64_t>();
    const auto end = (*offsetsField)[1].get<std::uint64_t>();
    if (begin > end)
        fail("data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
             "] are reversed");
    if (end > dataSize)
        fail("data_offsets end " + std::to_string(end) + " lies past the " +
             std::to_string(dataSize) + " data bytes of the file");
    std::uint64_t expected = 0;
    const bool overflow = !storageBytes(info.dtype, info.numel, expected);
    if (overflow || expected != end - begin)
        fail("shape " + shapeToString(info.shape) + " of " + std::string(dtypeName) + " needs " +
             (overflow ? std::string("too many") : std::to_string(expected)) +
             " bytes but data_offsets span " + std::to_string(end - begin));
    info.offset = dataStart + begin;
    info.nbytes = end - begin;
    return info;
}

// A model split over several safetensors files, listed by an index JSON.
class ShardedSafetensors final : public ModelFile {
public:
    explicit ShardedSafetensors(std::shared_ptr<const MappedFile> index)
        : ModelFile(index->path())
    {
        parse(*index);
    }

    std::string format() const override { return "safetensors (sharded)"; }

    TensorBytes read(std::size_t index) const override
    {
        const auto& [shard, shardIndex] = locations_.at(index);
        return shards_.at(shard)->read(shardIndex);
    }

private:
    void parse(const MappedFile& index);

    std::vector<std::unique_ptr<ModelFile>> shards_;
    std::vector<std::pair<std::size_t, std::size_t>> locations_; // shard, tensor in shard
};

void ShardedSafetensors::parse(const MappedFile& index)
{
    if (index.size() > kMaxIndexBytes)
        throw InputError(path_, 0, "index file larger than 64 MB");
    const nlohmann::json root = parseStrictJson(index.bytes(), path_, 0);
    const auto map = root.is_object() ? root.find("weight_map") : root.end();
    if (!root.is_object() || map == root.end() || !map->is_object())
        throw InputError(path_, 0, "not a safetensors index: no \"weight_map\" object");
    if (const auto meta = root.find("metadata"); meta != root.end() && meta->is_object())
        metadata_ = *meta;

    const auto folder = std::filesystem::path(path_).parent_path();
    std::map<std::string, std::size_t> shardByName;
    for (const auto& [tensor, shardName] : map->items()) {
        if (!shardName.is_string())
            throw InputError(path_, findJsonKeyOffset(index.bytes(), tensor, 0),
                             "weight_map entry of \"" + printable(tensor) +
                                 "\" is not a file name");
        const auto& name = shardName.get_ref<const std::string&>();
        // Shards live beside the index: a path component could reach any file.
        if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
            throw InputError(path_, findJsonKeyOffset(index.bytes(), tensor, 0),
                             "shard name \"" + printable(name) + "\" is not a plain file name");
        if (!shardByName.count(name)) {
            shardByName[name] = shards_.size();
            shards_.push_back(openSafetensors(MappedFile::open((folder / name).string())));
        }
    }
    for (std::size_t shard = 0; shard < shards_.size(); ++shard) {
        const auto& shardTensors = shards_[shard]->tensors();
        for (std::size_t i = 0; i < shardTensors.size(); ++i) {
            const auto listed = map->find(shardTensors[i].name);
            if (listed == map->end())
                continue; // present in the shard but not in the index: not part of the model
            if (shardByName.at(listed->get<std::string>()) != shard)
                continue;
            tensors_.push_back(shardTensors[i]);
            locations_.emplace_back(shard, i);
        }
    }
    if (tensors_.size() != map->size()) {
        for (const auto& item : map->items()) {
            // Named copies: clang 14 does not let lambdas capture structured bindings.
            const std::string& tensor = item.key();
            const auto& shardName = item.value();
            const bool found = std::any_of(tensors_.begin(), tensors_.end(),
                                           [&](const TensorInfo& t) { return t.name == tensor; });
            if (!found)
                throw InputError(path_, findJsonKeyOffset(index.bytes(), tensor, 0),
                                 "tensor \"" + printable(tensor) + "\" is not in shard \"" +
                                     printable(shardName.get<std::string>()) + "\"");
        }
    }
}
} // namespace

std::unique_ptr<ModelFile> openSafetensors(std::shared_ptr<const MappedFile> file)
{
    return std::make_unique<SafetensorsFile>(std::move(file));
}

std::unique_ptr<ModelFile> openSafetensorsIndex(std::shared_ptr<const MappedFile> file)
{
    return std::make_unique<ShardedSafetensors>(std::move(file));
}

} // namespace qs
