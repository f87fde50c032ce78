#pragma once
// Reader tests compare what a reader delivers with values another tool wrote down; these
// helpers turn a tensor's bytes into plain numbers for that.

#include "formats/model_file.h"
#include "tensor/decode.h"

#include <cctype>
#include <cstring>
#include <filesystem>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace qs::test {

// Every element as a double: F64 as stored, other floats (and ggml blocks) decoded to float
// first, integers and bools converted.
inline std::vector<double> valuesAsDoubles(const TensorInfo& info, const TensorBytes& bytes)
{
    std::vector<double> out;
    if (info.dtype == DType::F64) {
        out.resize(bytes.bytes().size() / sizeof(double));
        if (!out.empty())
            std::memcpy(out.data(), bytes.bytes().data(), out.size() * sizeof(double));
    } else if (isFloat(info.dtype)) {
        for (float v : decodeToFloat(info.dtype, bytes.bytes()))
            out.push_back(v);
    } else {
        for (std::int64_t v : decodeIntegers(info.dtype, bytes.bytes()))
            out.push_back(static_cast<double>(v));
    }
    return out;
}

// A sum written down exactly (math.fsum) against a plain double sum: a relative 1e-9.
inline void expectSum(const std::vector<double>& values, double want, const std::string& what)
{
    double sum = 0;
    for (double v : values)
        sum += v;
    EXPECT_NEAR(sum, want, 1e-9 * std::max(1.0, std::abs(want))) << what;
}

// A broken file of a corpus and a part of the problem its refusal must name.
struct Refusal {
    const char* file;
    const char* expected;
};

inline void expectRefused(const std::filesystem::path& path, const std::string& expected)
{
    try {
        openModel(path.string());
        ADD_FAILURE() << path << " was accepted";
    } catch (const InputError& e) {
        EXPECT_NE(e.problem().find(expected), std::string::npos) << path << ": " << e.what();
    }
}

// A test name from a corpus file name: its stem.
inline std::string refusalName(const testing::TestParamInfo<Refusal>& info)
{
    return std::filesystem::path(info.param.file).stem().string();
}

// A test name from a file path parameter: every character but letters and digits as '_'.
inline std::string fileParamName(const testing::TestParamInfo<std::string>& info)
{
    std::string name = info.param;
    for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)))
            c = '_';
    return name;
}

} // namespace qs::test
