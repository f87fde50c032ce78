// Golden tests against PyTorch (spec §8): the `pytorch` convention must reproduce
// torch.ao.quantization's MinMaxObserver / PerChannelMinMaxObserver (scale, zero point)
// and torch.fake_quantize_per_tensor_affine / _per_channel_affine (x̂) bit for bit, and
// on asymmetric grids the `default` convention must give the same numbers, except where
// PyTorch floors the scale at float32 epsilon (an all-zero block: the default uses s = 1;
// a range below 255·eps: the default has no floor).
//
// The expected numbers come from tests/data/golden/pytorch_golden.json, written by
// tests/data/make_pytorch_golden.py with torch 1.13; these tests do not need Python.
#include "quant/quant_config.h"
#include "quant/scale.h"
#include "quant/tensor_quantizer.h"
#include "support/quant_fixtures.h"
#include "support/test_files.h"

#include <bit>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace qs {
namespace {

constexpr std::size_t kMaxReportedMismatches = 8;

struct Expected {
    std::vector<float> scales; // one per block
    std::vector<std::int32_t> zeroPoints;
    std::vector<float> xhat; // one per element, row-major
};

struct GoldenCase {
    std::string name;
    std::string tensor;
    std::string torchDescription; // observer settings, for failure messages
    Shape shape;
    std::vector<float> values;
    std::string format; // engine words
    std::string scheme;
    std::string granularity;
    Expected torch;
    std::optional<Expected> defaultDiffers; // asymmetric only: where the default convention differs
};

// gtest prints a failing parameter with this instead of a byte dump.
void PrintTo(const GoldenCase& c, std::ostream* os)
{
    *os << c.name;
}

// "3f800000bf000000..." -> floats, 8 hex digits of the float32 bit pattern each.
std::vector<float> parseHexFloats(const std::string& text)
{
    if (text.size() % 8 != 0)
        throw std::runtime_error("hex float array length is not a multiple of 8");
    std::vector<float> result(text.size() / 8);
    for (std::size_t i = 0; i < result.size(); ++i) {
        std::uint32_t bits = 0;
        const char* begin = text.data() + i * 8;
        auto [ptr, ec] = std::from_chars(begin, begin + 8, bits, 16);
        if (ec != std::errc() || ptr != begin + 8)
            throw std::runtime_error("bad hex float '" + std::string(begin, 8) + "'");
        result[i] = std::bit_cast<float>(bits);
    }
    return result;
}

Expected parseExpected(const nlohmann::json& j)
{
    Expected e;
    e.scales = parseHexFloats(j.at("scales_hex").get<std::string>());
    e.zeroPoints = j.at("zero_points").get<std::vector<std::int32_t>>();
    e.xhat = parseHexFloats(j.at("xhat").get<std::string>());
    if (e.scales.size() != e.zeroPoints.size())
        throw std::runtime_error("scales and zero_points differ in length");
    return e;
}

std::filesystem::path fixturePath()
{
    return test::testDataDir() / "golden" / "pytorch_golden.json";
}

struct Fixture {
    std::vector<GoldenCase> cases;
    std::string error; // why loading failed, if it did
};

Fixture loadFixture()
{
    Fixture fixture;
    try {
        std::ifstream in(fixturePath());
        if (!in)
            throw std::runtime_error("cannot open " + fixturePath().string());
        const nlohmann::json root = nlohmann::json::parse(in);
        const nlohmann::json& tensors = root.at("tensors");
        for (const nlohmann::json& c : root.at("cases")) {
            GoldenCase g;
            g.name = c.at("name").get<std::string>();
            g.tensor = c.at("tensor").get<std::string>();
            const nlohmann::json& t = tensors.at(g.tensor);
            g.shape = t.at("shape").get<Shape>();
            g.values = parseHexFloats(t.at("values").get<std::string>());
            const nlohmann::json& torch = c.at("torch");
            g.torchDescription = torch.dump();
            const nlohmann::json& engine = c.at("engine");
            g.format = engine.at("format").get<std::string>();
            g.scheme = engine.at("scheme").get<std::string>();
            g.granularity = engine.at("granularity").get<std::string>();
            g.torch = parseExpected(c);
            if (c.contains("default"))
                g.defaultDiffers = parseExpected(c.at("default"));
            if (g.torch.xhat.size() != g.values.size() ||
                (g.defaultDiffers && g.defaultDiffers->xhat.size() != g.values.size()))
                throw std::runtime_error(g.name + ": xhat length differs from the tensor's");
            fixture.cases.push_back(std::move(g));
        }
        if (fixture.cases.empty())
            throw std::runtime_error("no cases in " + fixturePath().string());
    } catch (const std::exception& e) {
        fixture.cases.clear();
        fixture.error = e.what();
    }
    return fixture;
}

const Fixture& fixture()
{
    static const Fixture loaded = loadFixture();
    return loaded;
}

std::vector<GoldenCase> allCases()
{
    return fixture().cases;
}

std::vector<GoldenCase> asymmetricCases()
{
    std::vector<GoldenCase> result;
    for (const GoldenCase& c : fixture().cases)
        if (c.scheme == "asymmetric")
            result.push_back(c);
    return result;
}

std::string caseName(const ::testing::TestParamInfo<GoldenCase>& info)
{
    return info.param.name;
}

std::string show(float value)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.9g (%a, bits %08x)", static_cast<double>(value),
                  static_cast<double>(value), std::bit_cast<std::uint32_t>(value));
    return buffer;
}

std::string describe(const GoldenCase& c, Convention convention)
{
    std::ostringstream out;
    out << "case " << c.name << "\n  torch: " << c.torchDescription << "\n  engine: --dtype "
        << c.format << " --scheme " << c.scheme << " --granularity " << c.granularity
        << " --calibration minmax --convention " << toString(convention);
    return out.str();
}

QuantConfig configFor(const GoldenCase& c, Convention convention)
{
    QuantConfig config = test::makeConfig(c.format, c.scheme, c.granularity, "minmax", convention);
    validate(config);
    return config;
}

// Quantizes the case's tensor and compares every block's scale and zero point and every
// element's x̂ bit for bit with `expected`.
void expectExactly(const GoldenCase& c, Convention convention, const Expected& expected)
{
    SCOPED_TRACE(describe(c, convention));
    const QuantConfig config = configFor(c, convention);
    std::vector<float> restored(c.values.size(), std::numeric_limits<float>::quiet_NaN());
    QuantizeRequest request;
    request.keepBlockRecords = true;
    request.dequantized = restored;
    const TensorQuantization result = quantizeTensor(c.values, c.shape, config, request);

    ASSERT_EQ(result.blockRecords.size(), expected.scales.size()) << "number of blocks";
    ASSERT_EQ(result.blocks, expected.scales.size());
    for (std::size_t b = 0; b < expected.scales.size(); ++b) {
        const BlockRecord& record = result.blockRecords[b];
        EXPECT_EQ(std::bit_cast<std::uint32_t>(record.scale),
                  std::bit_cast<std::uint32_t>(expected.scales[b]))
            << "block " << b << " scale: engine " << show(record.scale) << ", expected "
            << show(expected.scales[b]);
        EXPECT_EQ(record.scale, expected.scales[b]) << "block " << b;
        EXPECT_EQ(record.zeroPoint, expected.zeroPoints[b]) << "block " << b << " zero point";
    }

    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < c.values.size(); ++i) {
        if (std::bit_cast<std::uint32_t>(restored[i]) ==
            std::bit_cast<std::uint32_t>(expected.xhat[i]))
            continue;
        if (++mismatches <= kMaxReportedMismatches)
            ADD_FAILURE() << "element " << i << ": x = " << show(c.values[i])
                          << "\n  engine x̂ = " << show(restored[i])
                          << "\n  expected  = " << show(expected.xhat[i]);
    }
    EXPECT_EQ(mismatches, 0u) << "of " << c.values.size() << " elements differ in x̂";
}

TEST(PyTorchGolden, FixtureLoads)
{
    ASSERT_TRUE(fixture().error.empty()) << fixturePath() << ": " << fixture().error;
    EXPECT_GE(fixture().cases.size(), 100u);
    EXPECT_FALSE(asymmetricCases().empty());
}

// The default convention differs from PyTorch only through PyTorch's eps floor: on an
// all-zero block PyTorch has s = eps, the default s = 1, with the same zero point
// (qmin - round(0 / s) = qmin) and x̂ = 0 either way.
TEST(PyTorchGolden, AllZeroTensorDefaultUsesScaleOneWherePyTorchUsesEps)
{
    const float eps = std::numeric_limits<float>::epsilon();
    int checked = 0;
    for (const GoldenCase& c : asymmetricCases()) {
        if (c.tensor != "zeros4x5")
            continue;
        SCOPED_TRACE(c.name);
        ASSERT_TRUE(c.defaultDiffers.has_value())
            << "the fixture must record the default's numbers";
        const Expected& d = *c.defaultDiffers;
        const auto grid = intGrid(parseNumberFormat(c.format), false);
        for (std::size_t b = 0; b < c.torch.scales.size(); ++b) {
            EXPECT_EQ(c.torch.scales[b], eps);
            EXPECT_EQ(d.scales[b], 1.0f);
            EXPECT_EQ(c.torch.zeroPoints[b], grid.qmin);
            EXPECT_EQ(d.zeroPoints[b], grid.qmin);
        }
        for (std::size_t i = 0; i < c.values.size(); ++i) {
            EXPECT_EQ(std::bit_cast<std::uint32_t>(c.torch.xhat[i]), 0u) << i;
            EXPECT_EQ(std::bit_cast<std::uint32_t>(d.xhat[i]), 0u) << i;
        }
        // And the engine agrees with each side under its convention.
        expectExactly(c, Convention::PyTorch, c.torch);
        expectExactly(c, Convention::Default, d);
        ++checked;
    }
    EXPECT_GE(checked, 4);
}

// A range below 255·eps: PyTorch's floor lifts the scale to eps (and x̂ collapses to the
// zero point), the default convention keeps the spec's (hi' - lo') / (qmax - qmin).
TEST(PyTorchGolden, TinyRangeDefaultHasNoEpsFloor)
{
    const float eps = std::numeric_limits<float>::epsilon();
    int floored = 0;
    for (const GoldenCase& c : asymmetricCases()) {
        if (c.tensor != "tiny6x5" && c.tensor != "tiny7")
            continue;
        SCOPED_TRACE(c.name);
        if (!c.defaultDiffers) {
            for (float scale : c.torch.scales)
                EXPECT_GT(scale, eps)
                    << "a floored scale needs the default's numbers in the fixture";
            continue;
        }
        for (std::size_t b = 0; b < c.torch.scales.size(); ++b) {
            if (c.torch.scales[b] == eps) {
                EXPECT_LT(c.defaultDiffers->scales[b], eps) << "block " << b;
                EXPECT_GT(c.defaultDiffers->scales[b], 0.0f) << "block " << b;
                ++floored;
            } else {
                EXPECT_EQ(c.defaultDiffers->scales[b], c.torch.scales[b]) << "block " << b;
                EXPECT_EQ(c.defaultDiffers->zeroPoints[b], c.torch.zeroPoints[b]) << "block " << b;
            }
        }
    }
    EXPECT_GT(floored, 0);
}

class PyTorchConvention : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(PyTorchConvention, MatchesTorchObserverAndFakeQuantizeExactly)
{
    expectExactly(GetParam(), Convention::PyTorch, GetParam().torch);
}

INSTANTIATE_TEST_SUITE_P(Golden, PyTorchConvention, ::testing::ValuesIn(allCases()), caseName);

class DefaultConventionAsymmetric : public ::testing::TestWithParam<GoldenCase> {};

// Spec §8: on asymmetric grids `default` and `pytorch` are the same formulas; only the
// eps floor (all-zero blocks, tiny ranges) separates them, and there the fixture holds the
// spec's own numbers, computed independently by the generator.
TEST_P(DefaultConventionAsymmetric, MatchesTorchExceptTheEpsFloor)
{
    const GoldenCase& c = GetParam();
    if (c.defaultDiffers) {
        const float eps = std::numeric_limits<float>::epsilon();
        for (std::size_t b = 0; b < c.torch.scales.size(); ++b) {
            if (c.defaultDiffers->scales[b] != c.torch.scales[b]) {
                EXPECT_EQ(c.torch.scales[b], eps)
                    << "block " << b
                    << ": the conventions may differ only where PyTorch's eps floor acts";
            }
        }
    }
    expectExactly(c, Convention::Default, c.defaultDiffers ? *c.defaultDiffers : c.torch);
}

INSTANTIATE_TEST_SUITE_P(Golden, DefaultConventionAsymmetric,
                         ::testing::ValuesIn(asymmetricCases()), caseName);

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(PyTorchConvention);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(DefaultConventionAsymmetric);

} // namespace
} // namespace qs
