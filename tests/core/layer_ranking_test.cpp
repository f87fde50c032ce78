// The worst layers and the layers kept in higher precision, on a real model's report.
#include "analysis/layer_ranking.h"
#include "formats/model_file.h"
#include "support/test_files.h"

#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>

namespace qs {
namespace {

class LayerRankingTest : public ::testing::Test {
protected:
    LayerRankingTest()
    {
        const auto model =
            openModel((test::sharedModelsDir() / "ppocrv4_rec_svtr_neck.safetensors").string());
        QuantConfig config;
        config.format = parseNumberFormat("int4");
        config.granularity = parseGranularity("tensor");
        report_ = analyzeModel(*model, config);
    }
    ModelReport report_;
};

TEST_F(LayerRankingTest, WorstLayersComeLowestSqnrFirst)
{
    ASSERT_GE(report_.layers.size(), 10u);
    const auto worst = worstLayers(report_, 5);
    ASSERT_EQ(worst.size(), 5u);
    for (std::size_t i = 1; i < worst.size(); ++i)
        EXPECT_LE(report_.layers[worst[i - 1]].metrics.sqnrDb,
                  report_.layers[worst[i]].metrics.sqnrDb);
    // No layer outside the list is worse than the last one in it.
    for (std::size_t i = 0; i < report_.layers.size(); ++i) {
        if (std::find(worst.begin(), worst.end(), i) == worst.end()) {
            EXPECT_GE(report_.layers[i].metrics.sqnrDb,
                      report_.layers[worst.back()].metrics.sqnrDb);
        }
    }
    EXPECT_EQ(worstLayers(report_, 1000).size(), report_.layers.size());
}

TEST_F(LayerRankingTest, NanSqnrRanksLast)
{
    report_.layers[0].metrics.sqnrDb = std::nan("");
    const auto all = worstLayers(report_, report_.layers.size());
    EXPECT_EQ(all.back(), 0u);
}

TEST_F(LayerRankingTest, KeepRulesCombineAndComeInFileOrder)
{
    const auto worst = worstLayers(report_, 3);
    const double threshold = report_.layers[worst[1]].metrics.sqnrDb; // 1 layer below it
    EXPECT_TRUE(layersToKeep(report_, {}).empty());
    const auto byThreshold = layersToKeep(report_, {std::nullopt, threshold});
    ASSERT_EQ(byThreshold.size(), 1u);
    EXPECT_EQ(byThreshold[0], worst[0]);
    const auto both = layersToKeep(report_, {2, threshold});
    ASSERT_EQ(both.size(), 2u);
    EXPECT_TRUE(std::is_sorted(both.begin(), both.end()));
    EXPECT_TRUE(std::find(both.begin(), both.end(), worst[1]) != both.end());
}

} // namespace
} // namespace qs
