// The same tensors stored in different formats give the same numbers.
#include "analysis/model_analyzer.h"
#include "report/json_report.h"
#include "support/quant_fixtures.h"
#include "support/test_files.h"

#include <gtest/gtest.h>

namespace qs {
namespace {

TEST(SharedModels, SafetensorsAndNpzGiveIdenticalReports)
{
    const auto st =
        openModel((test::sharedModelsDir() / "ppocrv4_rec_svtr_neck.safetensors").string());
    const auto npz = openModel((test::sharedModelsDir() / "ppocrv4_rec_svtr_neck.npz").string());
    for (const char* granularity : {"tensor", "channel:1", "group:40"}) {
        const auto config = test::makeConfig("int8", "asymmetric", granularity, "percentile:99.9");
        const ModelReport a = analyzeModel(*st, config);
        const ModelReport b = analyzeModel(*npz, config);
        ASSERT_EQ(a.layers.size(), b.layers.size());
        std::map<std::string, const LayerReport*> byName;
        for (const LayerReport& layer : b.layers)
            byName[layer.name] = &layer;
        for (const LayerReport& layer : a.layers) {
            ASSERT_TRUE(byName.count(layer.name)) << layer.name;
            const LayerReport& other = *byName[layer.name];
            EXPECT_EQ(layer.shape, other.shape);
            EXPECT_EQ(layer.metrics.mse, other.metrics.mse) << layer.name;
            EXPECT_EQ(layer.metrics.sqnrDb, other.metrics.sqnrDb) << layer.name;
            EXPECT_EQ(layer.scaleMax, other.scaleMax) << layer.name;
        }
    }
}

} // namespace
} // namespace qs
