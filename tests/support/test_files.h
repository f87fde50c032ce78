#pragma once
// Helpers for tests that need files: a private temporary folder removed afterwards, and
// paths to the checked-in test data and the shared real models.

#include <cstdint>
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

} // namespace qs::test
