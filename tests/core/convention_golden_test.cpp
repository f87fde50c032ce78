// Golden tests for the named conventions (docs/quantization.md): every scale, zero point
// and dequantized value must equal, bit for bit, what the frameworks' arithmetic gives,
// as tests/data/make_convention_golden.py restates it in numpy (ONNX Runtime, TFLite) and
// torch (ModelOpt), on values that include exact midpoints, zeros and tiny blocks.
#include "quant/quant_config.h"
#include "quant/tensor_quantizer.h"
#include "support/quant_fixtures.h"
#include "support/test_files.h"

#include <bit>
#include <cstdint>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace qs {
namespace {

std::vector<float> floatsFromHex(const std::string& text)
{
    std::vector<float> values;
    for (std::size_t at = 0; at + 8 <= text.size(); at += 8)
        values.push_back(std::bit_cast<float>(
            static_cast<std::uint32_t>(std::stoul(text.substr(at, 8), nullptr, 16))));
    return values;
}

nlohmann::json golden()
{
    std::ifstream in(std::string(QS_TEST_DATA_DIR) + "/golden/convention_golden.json");
    return nlohmann::json::parse(in);
}

TEST(ConventionGolden, EveryCaseMatchesTheFrameworkBitForBit)
{
    const nlohmann::json doc = golden();
    ASSERT_GE(doc.at("cases").size(), 30u);
    std::size_t apartFromDefault = 0; // cases the default convention would get wrong
    for (const auto& c : doc.at("cases")) {
        const std::string name = c.at("name");
        SCOPED_TRACE(name);
        const auto& tensor = doc.at("tensors").at(c.at("tensor").get<std::string>());
        const std::vector<float> values = floatsFromHex(tensor.at("values"));
        Shape shape;
        for (const auto& extent : tensor.at("shape"))
            shape.push_back(extent.get<std::int64_t>());
        const auto& engine = c.at("engine");
        QuantConfig config =
            test::makeConfig(engine.at("format"), engine.at("scheme"), engine.at("granularity"));
        config.convention = parseConvention(c.at("convention"));

        std::vector<float> restored(values.size());
        QuantizeRequest request;
        request.keepBlockRecords = true;
        request.dequantized = restored;
        const TensorQuantization q = quantizeTensor(values, shape, config, request);
        const std::vector<float> scales = floatsFromHex(c.at("scales_hex"));
        const auto zeros = c.at("zero_points").get<std::vector<int>>();
        ASSERT_EQ(q.blockRecords.size(), scales.size());
        for (std::size_t b = 0; b < scales.size(); ++b) {
            EXPECT_EQ(std::bit_cast<std::uint32_t>(q.blockRecords[b].scale),
                      std::bit_cast<std::uint32_t>(scales[b]))
                << "block " << b << ": " << q.blockRecords[b].scale << " vs " << scales[b];
            EXPECT_EQ(q.blockRecords[b].zeroPoint, zeros[b]) << "block " << b;
        }
        const std::vector<float> expected = floatsFromHex(c.at("xhat"));
        ASSERT_EQ(expected.size(), restored.size());
        std::vector<float> underDefault(values.size());
        QuantizeRequest plain;
        plain.dequantized = underDefault;
        QuantConfig defaultConfig = config;
        defaultConfig.convention = Convention::Default;
        quantizeTensor(values, shape, defaultConfig, plain);
        apartFromDefault += underDefault != expected;
        std::size_t mismatches = 0;
        for (std::size_t i = 0; i < expected.size() && mismatches < 8; ++i)
            if (restored[i] != expected[i]) {
                ++mismatches;
                ADD_FAILURE() << "element " << i << ": x " << values[i] << " gives " << restored[i]
                              << ", the framework " << expected[i];
            }
    }
}

} // namespace
} // namespace qs
