#pragma once
// Helpers for tests that need files: a private temporary folder removed afterwards, and
// paths to the checked-in test data and the shared real models.

#include "tensor/tensor.h"

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace qs::test {

std::filesystem::path testDataDir();     // tests/data
std::filesystem::path sharedModelsDir(); // ../shared/models

class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path file(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

void writeFile(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes);
void writeFile(const std::filesystem::path& path, const std::string& text);
std::vector<std::uint8_t> readFile(const std::filesystem::path& path);

// The elements of a tensor's bytes as T (little-endian host).
template <typename T> std::vector<T> valuesOf(const TensorBytes& tensor)
{
    const auto bytes = tensor.bytes();
    std::vector<T> values(bytes.size() / sizeof(T));
    if (!values.empty())
        std::memcpy(values.data(), bytes.data(), values.size() * sizeof(T));
    return values;
}

} // namespace qs::test
