#pragma once
// Builds GGUF files byte by byte for reader tests, including files that break the format
// in one chosen place (a lying count, a misaligned offset).

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace qs::test {

class GgufBuilder {
public:
    struct Tensor {
        std::string name;
        std::vector<std::uint64_t> dims; // innermost first, as GGUF stores them
        std::uint32_t type = 0;          // ggml type id
        std::vector<std::uint8_t> data;
        std::int64_t offsetOverride = -1; // relative offset to write instead of the real one
    };

    explicit GgufBuilder(std::uint32_t version = 3)
        : version_(version)
    {
    }

    // Metadata values are appended raw: key, u32 type, then whatever the caller adds.
    GgufBuilder& key(const std::string& name, std::uint32_t type)
    {
        ++kvCount_;
        string(kv_, name);
        put(kv_, type);
        return *this;
    }
    template <typename T> GgufBuilder& value(T v)
    {
        put(kv_, v);
        return *this;
    }
    GgufBuilder& stringValue(const std::string& s)
    {
        string(kv_, s);
        return *this;
    }
    GgufBuilder& rawValue(const std::vector<std::uint8_t>& bytes)
    {
        kv_.insert(kv_.end(), bytes.begin(), bytes.end());
        return *this;
    }
    GgufBuilder& alignment(std::uint32_t a)
    {
        alignment_ = a;
        return key("general.alignment", 4).value(a);
    }
    GgufBuilder& tensor(Tensor t)
    {
        tensors_.push_back(std::move(t));
        return *this;
    }
    // Overrides the counts written in the header (to make them lie).
    GgufBuilder& counts(std::uint64_t tensors, std::uint64_t kvs)
    {
        tensorCountOverride_ = tensors;
        kvCountOverride_ = kvs;
        return *this;
    }

    std::vector<std::uint8_t> bytes() const
    {
        std::vector<std::uint8_t> out{'G', 'G', 'U', 'F'};
        put(out, version_);
        put(out, tensorCountOverride_ ? *tensorCountOverride_ : std::uint64_t(tensors_.size()));
        put(out, kvCountOverride_ ? *kvCountOverride_ : kvCount_);
        out.insert(out.end(), kv_.begin(), kv_.end());
        std::uint64_t offset = 0;
        std::vector<std::uint64_t> offsets;
        for (const Tensor& t : tensors_) {
            string(out, t.name);
            put(out, static_cast<std::uint32_t>(t.dims.size()));
            for (std::uint64_t d : t.dims)
                put(out, d);
            put(out, t.type);
            put(out, t.offsetOverride >= 0 ? static_cast<std::uint64_t>(t.offsetOverride) : offset);
            offsets.push_back(offset);
            offset = padded(offset + t.data.size());
        }
        out.resize(padded(out.size()), 0);
        const std::size_t dataStart = out.size();
        for (std::size_t i = 0; i < tensors_.size(); ++i) {
            out.resize(dataStart + offsets[i], 0);
            out.insert(out.end(), tensors_[i].data.begin(), tensors_[i].data.end());
        }
        return out;
    }

    template <typename T> static void put(std::vector<std::uint8_t>& out, T v)
    {
        const auto* p = reinterpret_cast<const std::uint8_t*>(&v);
        out.insert(out.end(), p, p + sizeof(T));
    }
    static void string(std::vector<std::uint8_t>& out, const std::string& s)
    {
        put(out, static_cast<std::uint64_t>(s.size()));
        out.insert(out.end(), s.begin(), s.end());
    }
    template <typename T> static std::vector<std::uint8_t> bytesOf(const std::vector<T>& values)
    {
        std::vector<std::uint8_t> out(values.size() * sizeof(T));
        if (!out.empty())
            std::memcpy(out.data(), values.data(), out.size());
        return out;
    }

private:
    std::uint64_t padded(std::uint64_t n) const
    {
        return (n + alignment_ - 1) / alignment_ * alignment_;
    }

    std::uint32_t version_;
    std::uint32_t alignment_ = 32;
    std::uint64_t kvCount_ = 0;
    std::vector<std::uint8_t> kv_;
    std::vector<Tensor> tensors_;
    std::optional<std::uint64_t> tensorCountOverride_, kvCountOverride_;
};

} // namespace qs::test
