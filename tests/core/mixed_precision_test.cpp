// The mixed-precision plan against an exhaustive search on small tables, and on a real
// model against every uniform setting that fits the same budget; the format table's cells
// against the analyser's own numbers.
#include "analysis/format_options.h"
#include "analysis/mixed_precision.h"
#include "analysis/storage_size.h"
#include "common/error.h"
#include "formats/model_file.h"
#include "support/test_files.h"

#include <gtest/gtest.h>
#include <random>

namespace qs {
namespace {

// A table of made-up layers: option o costs about (o + 1) * 100 bits with random error that
// falls with cost (but not always: some options are dominated), some options missing.
FormatTable randomTable(std::mt19937& random, std::size_t layers, std::size_t options)
{
    FormatTable table;
    table.options.resize(options);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (std::size_t l = 0; l < layers; ++l) {
        table.layers.push_back("layer" + std::to_string(l));
        table.numel.push_back(100);
        std::vector<OptionCell> row(options);
        for (std::size_t o = 0; o < options; ++o) {
            OptionCell& cell = row[o];
            cell.applies = o == 0 || unit(random) > 0.2;
            cell.bits = std::round((double(o) + 1 + unit(random)) * 100);
            cell.sums.sumX2 = 50;
            cell.sums.sumE2 = (double(options - o) + 2 * unit(random)) * (1 + unit(random));
        }
        table.cells.push_back(row);
    }
    return table;
}

// The least error within the budget over every combination.
double exhaustiveBest(const FormatTable& table, double budget)
{
    const std::size_t layers = table.layers.size(), options = table.options.size();
    std::vector<std::size_t> pick(layers, 0);
    double best = std::numeric_limits<double>::infinity();
    while (true) {
        double bits = 0, error = 0;
        bool valid = true;
        for (std::size_t l = 0; l < layers; ++l) {
            const OptionCell& cell = table.cells[l][pick[l]];
            valid = valid && cell.applies;
            bits += cell.bits;
            error += cell.sums.sumE2;
        }
        if (valid && bits <= budget)
            best = std::min(best, error);
        std::size_t l = 0;
        while (l < layers && ++pick[l] == options)
            pick[l++] = 0;
        if (l == layers)
            return best;
    }
}

TEST(MixedPrecision, MatchesAnExhaustiveSearch)
{
    std::mt19937 random(11);
    for (int trial = 0; trial < 40; ++trial) {
        const FormatTable table = randomTable(random, 6, 5);
        double cheapest = 0, dearest = 0;
        for (const auto& row : table.cells) {
            double low = std::numeric_limits<double>::infinity(), high = 0;
            for (const auto& cell : row)
                if (cell.applies)
                    low = std::min(low, cell.bits), high = std::max(high, cell.bits);
            cheapest += low;
            dearest += high;
        }
        for (double share : {0.0, 0.1, 0.35, 0.6, 0.9, 1.0}) {
            const double budget = std::floor(cheapest + share * (dearest - cheapest));
            const MixedPlan plan = planMixedPrecision(table, budget);
            SCOPED_TRACE("trial " + std::to_string(trial) + " budget " + std::to_string(budget));
            EXPECT_TRUE(plan.provenOptimal);
            EXPECT_LE(plan.bits, budget);
            EXPECT_NEAR(plan.squaredError, exhaustiveBest(table, budget), 1e-9);
            // The plan's own numbers are its choices' numbers.
            double bits = 0, error = 0;
            for (std::size_t l = 0; l < table.layers.size(); ++l) {
                ASSERT_TRUE(table.cells[l][plan.choice[l]].applies);
                bits += table.cells[l][plan.choice[l]].bits;
                error += table.cells[l][plan.choice[l]].sums.sumE2;
            }
            EXPECT_EQ(bits, plan.bits);
            EXPECT_DOUBLE_EQ(error, plan.squaredError);
        }
    }
}

TEST(MixedPrecision, BudgetBelowTheSmallestPlanIsRefused)
{
    std::mt19937 random(3);
    const FormatTable table = randomTable(random, 3, 3);
    EXPECT_THROW(planMixedPrecision(table, 10), UsageError);
}

TEST(MixedPrecision, WorkLimitGivesAPlanNotProvenOptimal)
{
    std::mt19937 random(5);
    const FormatTable table = randomTable(random, 12, 6);
    PlanLimits limits;
    limits.maxStatesPerLayer = 2;
    const MixedPlan plan = planMixedPrecision(table, 12 * 350, limits);
    EXPECT_FALSE(plan.provenOptimal);
    EXPECT_LE(plan.lowerBound, plan.squaredError);
    EXPECT_LE(plan.bits, 12 * 350);
}

TEST(MixedPrecision, TiedLayersStayWithinTheWorkLimit)
{
    // Every layer saves exactly the same error per bit: the relaxation cannot tell plans
    // apart, and without the limits the states would grow without end.
    FormatTable table;
    table.options.resize(5);
    for (std::size_t l = 0; l < 60; ++l) {
        table.layers.push_back("layer" + std::to_string(l));
        table.numel.push_back(64);
        std::vector<OptionCell> row(5);
        for (std::size_t o = 0; o < 5; ++o) {
            row[o].applies = true;
            row[o].bits = 100.0 * double(o + 1) + double(l % 7);
            row[o].sums.sumX2 = 1;
            row[o].sums.sumE2 = 1000.0 - 2.0 * row[o].bits;
        }
        table.cells.push_back(row);
    }
    PlanLimits limits;
    limits.maxStatesPerLayer = 20'000;
    limits.maxStatesTotal = 400'000;
    const MixedPlan plan = planMixedPrecision(table, 60 * 250.0, limits);
    EXPECT_LE(plan.bits, 60 * 250.0);
    EXPECT_LE(plan.statesVisited, 400'000u + 60);
    EXPECT_LE(plan.lowerBound, plan.squaredError + 1e-6);
    // Linear curves: the relaxation is exact whenever the budget is spent whole.
    EXPECT_NEAR(plan.squaredError, plan.lowerBound, 2.0 * 7 * 2 + 1e-6);
}

TEST(MixedPrecision, StopsWhenAskedTo)
{
    std::mt19937 random(9);
    const FormatTable table = randomTable(random, 8, 4);
    PlanLimits limits;
    limits.keepGoing = [] {
        return false;
    };
    EXPECT_THROW(planMixedPrecision(table, 8 * 500.0, limits), CancelledError);
}

class FormatTableTest : public ::testing::Test {
protected:
    FormatTableTest()
        : model_(
              openModel((test::sharedModelsDir() / "ch_ppocr_mobile_v2.0_cls_infer.onnx").string()))
        , table_(measureFormatOptions(*model_, defaultFormatOptions(QuantConfig{}), {}))
    {
    }
    std::unique_ptr<ModelFile> model_;
    FormatTable table_;
};

TEST_F(FormatTableTest, CellsAreTheAnalysersNumbers)
{
    ASSERT_GT(table_.layers.size(), 10u);
    std::size_t int4Group = table_.options.size();
    for (std::size_t o = 0; o < table_.options.size(); ++o)
        if (table_.options[o].label == "int4/group:32")
            int4Group = o;
    ASSERT_LT(int4Group, table_.options.size());
    const QuantConfig config = table_.options[int4Group].config;
    const ModelReport report = analyzeModel(*model_, config);
    for (const LayerReport& layer : report.layers) {
        const auto row = std::find(table_.layers.begin(), table_.layers.end(), layer.name) -
                         table_.layers.begin();
        const OptionCell& cell = table_.cells[std::size_t(row)][int4Group];
        ASSERT_TRUE(cell.applies) << layer.name;
        EXPECT_EQ(cell.sums.sumE2, layer.sums.sumE2);
        EXPECT_EQ(cell.bits, layerStorage(layer, config).bitsAfter);
    }
    // As stored: the file's bits and no error.
    EXPECT_EQ(table_.options[0].label, "stored");
    for (const auto& row : table_.cells) {
        EXPECT_TRUE(row[0].applies);
        EXPECT_EQ(row[0].sums.sumE2, 0);
    }
}

TEST_F(FormatTableTest, PlanBeatsOrMatchesEveryUniformSettingThatFits)
{
    std::vector<std::pair<double, double>> points;
    for (std::size_t o = 0; o < table_.options.size(); ++o) {
        const auto point = table_.modelPoint(o);
        points.push_back({point.bitsPerWeight, -point.sqnrDb});
    }
    const auto optimal = paretoOptimal(points);
    EXPECT_TRUE(optimal[0]) << "stored: the most bits, no error";
    std::uint64_t weights = 0;
    for (auto n : table_.numel)
        weights += n;
    for (double bitsPerWeight : {3.0, 4.5, 6.0, 9.0}) {
        const MixedPlan plan = planMixedPrecision(table_, bitsPerWeight * double(weights));
        EXPECT_TRUE(plan.provenOptimal) << bitsPerWeight;
        EXPECT_LE(plan.bits / double(weights), bitsPerWeight);
        for (std::size_t o = 0; o < table_.options.size(); ++o) {
            const auto point = table_.modelPoint(o);
            if (point.bitsPerWeight <= bitsPerWeight) {
                EXPECT_GE(plan.sqnrDb, point.sqnrDb - 1e-9) << table_.options[o].label;
            }
        }
    }
}

TEST(FormatOptions, SpellingsAndRefusals)
{
    const QuantConfig base;
    const FormatOption grouped = parseFormatOption("int4/group:64", base);
    EXPECT_EQ(toString(grouped.config.format), "int4");
    EXPECT_EQ(toString(grouped.config.granularity), "group:64");
    EXPECT_EQ(parseFormatOption("gguf-q4_0", base).ggmlType, "q4_0");
    EXPECT_EQ(parseFormatOption("fp16", base).ggmlType, "f16");
    EXPECT_FALSE(parseFormatOption("int8/channel", base).ggmlType);
    EXPECT_TRUE(parseFormatOption("stored", base).stored);
    EXPECT_THROW(parseFormatOption("int99", base), UsageError);
    EXPECT_THROW(parseFormatOption("gguf-q4_0/group:64", base), UsageError);
    EXPECT_THROW(parseFormatOption("int4/rows", base), UsageError);
}

TEST(ParetoOptimal, KeepsOnlyUnbeatenPoints)
{
    const auto optimal = paretoOptimal({{4, 10}, {8, 2}, {5, 12}, {4, 11}, {16, 0}, {9, 2}});
    EXPECT_EQ(optimal, (std::vector<bool>{true, true, false, false, true, false}));
}

} // namespace
} // namespace qs
