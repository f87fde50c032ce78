// The model browser's tree and its filter: grouping by name prefix, group totals, the
// model contracts under QAbstractItemModelTester, and what the filters show.

#include "analysis/model_analyzer.h"
#include "model_tester_messages.h"
#include "tensor_filter_proxy.h"
#include "tensor_tree_model.h"

#include <QAbstractItemModelTester>
#include <gtest/gtest.h>

namespace qs::ui {
namespace {

TensorInfo tensor(const std::string& name, Shape shape, DType dtype = DType::F32)
{
    TensorInfo info;
    info.name = name;
    info.shape = std::move(shape);
    info.dtype = dtype;
    info.numel = 1;
    for (auto extent : info.shape)
        info.numel *= static_cast<std::uint64_t>(extent);
    return info;
}

// A small LLM-like file: two blocks of attention and norm weights, an embedding, an integer
// tensor and a name of one piece.
std::vector<TensorInfo> llmLikeTensors()
{
    return {tensor("token_embd.weight", {32, 8}),   tensor("blk.0.attn_q.weight", {8, 8}),
            tensor("blk.0.attn_norm.weight", {8}),  tensor("blk.0.ffn_up.weight", {16, 8}),
            tensor("blk.1.attn_q.weight", {8, 8}),  tensor("blk.1.attn_norm.weight", {8}),
            tensor("blk.1.ffn_up.weight", {16, 8}), tensor("rope_freqs", {4}, DType::I32)};
}

QStringList childLabels(const QAbstractItemModel& model, const QModelIndex& parent)
{
    QStringList labels;
    for (int row = 0; row < model.rowCount(parent); ++row)
        labels << model.index(row, 0, parent).data().toString();
    return labels;
}

class TensorTreeModelTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        ModelTesterMessages::messages().clear();
        tester_ = std::make_unique<QAbstractItemModelTester>(
            &model_, QAbstractItemModelTester::FailureReportingMode::Warning);
        proxy_.setSourceModel(&model_);
        proxyTester_ = std::make_unique<QAbstractItemModelTester>(
            &proxy_, QAbstractItemModelTester::FailureReportingMode::Warning);
    }
    void TearDown() override
    {
        EXPECT_TRUE(ModelTesterMessages::messages().isEmpty())
            << ModelTesterMessages::messages().join(QLatin1Char('\n')).toStdString();
    }

    ModelTesterMessages messages_;
    TensorTreeModel model_;
    TensorFilterProxy proxy_;
    std::unique_ptr<QAbstractItemModelTester> tester_;
    std::unique_ptr<QAbstractItemModelTester> proxyTester_;
};

TEST(TensorTreeNames, SplitIntoGroupsKeepingTheParameterWithItsModule)
{
    std::string label;
    EXPECT_EQ(nameGroups("blk.0.attn_q.weight", label), (std::vector<std::string>{"blk", "0"}));
    EXPECT_EQ(label, "attn_q.weight");
    EXPECT_TRUE(nameGroups("linear_77.w_0", label).empty());
    EXPECT_EQ(label, "linear_77.w_0");
    EXPECT_EQ(nameGroups("encoder/layer/kernel", label), (std::vector<std::string>{"encoder"}));
    EXPECT_EQ(label, "layer/kernel");
    EXPECT_TRUE(nameGroups("rope_freqs", label).empty());
    EXPECT_EQ(label, "rope_freqs");
}

TEST_F(TensorTreeModelTest, GroupsTensorsByPrefixInFileOrder)
{
    model_.setTensors(llmLikeTensors());
    EXPECT_EQ(childLabels(model_, {}),
              (QStringList{QStringLiteral("token_embd.weight"), QStringLiteral("blk"),
                           QStringLiteral("rope_freqs")}));
    const QModelIndex blk = model_.index(1, 0);
    EXPECT_EQ(childLabels(model_, blk), (QStringList{QStringLiteral("0"), QStringLiteral("1")}));
    const QModelIndex block0 = model_.index(0, 0, blk);
    EXPECT_EQ(childLabels(model_, block0),
              (QStringList{QStringLiteral("attn_q.weight"), QStringLiteral("attn_norm.weight"),
                           QStringLiteral("ffn_up.weight")}));
    EXPECT_EQ(block0.data(TensorTreeModel::FullNameRole).toString(), QStringLiteral("blk.0"));
    EXPECT_EQ(block0.data(TensorTreeModel::TensorIndexRole).toInt(), -1);
    EXPECT_EQ(model_.tensorAt(block0), nullptr);

    // Groups total their tensors' parameters: 64 + 8 + 128 per block.
    EXPECT_EQ(model_.index(0, TensorTreeModel::ParametersColumn, blk)
                  .data(TensorTreeModel::SortRole)
                  .toULongLong(),
              200u);
    EXPECT_EQ(blk.siblingAtColumn(TensorTreeModel::ParametersColumn)
                  .data(TensorTreeModel::SortRole)
                  .toULongLong(),
              400u);

    for (std::size_t t = 0; t < model_.tensors().size(); ++t) {
        const QModelIndex leaf = model_.indexOfTensor(t);
        ASSERT_TRUE(leaf.isValid());
        EXPECT_EQ(model_.tensorAt(leaf), &model_.tensors()[t]);
        EXPECT_EQ(leaf.data(TensorTreeModel::FullNameRole).toString().toStdString(),
                  model_.tensors()[t].name);
    }
    EXPECT_EQ(model_.indexOfTensor(4).siblingAtColumn(TensorTreeModel::ShapeColumn).data(),
              QStringLiteral("8\u00D78"));
}

// Checks `group` and every group below it against its tensors' errors recomputed from the
// report's layers by name prefix; returns how many groups had numbers to check.
int checkGroupErrors(const TensorTreeModel& model, const QModelIndex& group,
                     const ModelReport& report)
{
    int checked = 0;
    for (int row = 0; row < model.rowCount(group); ++row) {
        const QModelIndex child = model.index(row, 0, group);
        if (!model.tensorAt(child))
            checked += checkGroupErrors(model, child, report);
    }
    if (!group.isValid())
        return checked;
    const std::string prefix =
        group.data(TensorTreeModel::FullNameRole).toString().toStdString() + ".";
    ErrorSums sums;
    int layers = 0;
    for (const LayerReport& layer : report.layers) {
        if (layer.name.rfind(prefix, 0) == 0) {
            sums.merge(layer.sums);
            ++layers;
        }
    }
    const QModelIndex sqnr = group.siblingAtColumn(TensorTreeModel::SqnrColumn);
    if (layers == 0) { // e.g. a group of integer tensors: nothing to show
        EXPECT_FALSE(sqnr.data().isValid()) << prefix;
        return checked;
    }
    EXPECT_NEAR(sqnr.data(TensorTreeModel::SortRole).toDouble(), computeMetrics(sums).sqnrDb, 1e-9)
        << prefix;
    return checked + 1;
}

TEST_F(TensorTreeModelTest, GroupErrorComesFromTheSummedErrorsOfItsTensors)
{
    // Silero VAD's PyTorch-style names nest four deep (model › encoder › 0 › reparam_conv).
    const auto file = openModel(QS_SHARED_MODELS_DIR "/silero_vad_op18_ifless.onnx");
    model_.setTensors(file->tensors());
    QuantConfig int4;
    int4.format.bits = 4;
    const auto report = std::make_shared<const ModelReport>(analyzeModel(*file, int4));
    model_.setReport(report);
    EXPECT_GE(checkGroupErrors(model_, {}, *report), 10);

    model_.setReport(nullptr);
    EXPECT_FALSE(model_.index(0, TensorTreeModel::SqnrColumn).data().isValid());
}

TEST_F(TensorTreeModelTest, FilterShowsMatchingTensorsAndTheirGroups)
{
    model_.setTensors(llmLikeTensors());
    ASSERT_TRUE(proxy_.setNameFilter(QStringLiteral("ATTN_Q"), false)); // case-insensitive
    EXPECT_EQ(childLabels(proxy_, {}), QStringList{QStringLiteral("blk")});
    const QModelIndex blk = proxy_.index(0, 0);
    ASSERT_EQ(proxy_.rowCount(blk), 2);
    EXPECT_EQ(childLabels(proxy_, proxy_.index(1, 0, blk)),
              QStringList{QStringLiteral("attn_q.weight")});

    ASSERT_TRUE(proxy_.setNameFilter(QStringLiteral("^blk\\.1\\..*weight$"), true));
    EXPECT_EQ(proxy_.rowCount(blk), 1);
    EXPECT_EQ(proxy_.rowCount(proxy_.index(0, 0, proxy_.index(0, 0))), 3);

    // An invalid expression is refused and the previous filter stays.
    EXPECT_FALSE(proxy_.setNameFilter(QStringLiteral("blk.(1"), true));
    EXPECT_EQ(proxy_.rowCount(proxy_.index(0, 0, proxy_.index(0, 0))), 3);
    // As a substring the same text is fine (and matches nothing).
    EXPECT_TRUE(proxy_.setNameFilter(QStringLiteral("blk.(1"), false));
    EXPECT_EQ(proxy_.rowCount(), 0);
    ASSERT_TRUE(proxy_.setNameFilter({}, false));
    EXPECT_EQ(proxy_.rowCount(), 3);
}

TEST_F(TensorTreeModelTest, WeightsOnlyHidesVectorsNormsAndIntegers)
{
    model_.setTensors(llmLikeTensors());
    proxy_.setWeightsOnly(true);
    EXPECT_EQ(childLabels(proxy_, {}),
              (QStringList{QStringLiteral("token_embd.weight"), QStringLiteral("blk")}));
    const QModelIndex block0 = proxy_.index(0, 0, proxy_.index(1, 0));
    EXPECT_EQ(childLabels(proxy_, block0),
              (QStringList{QStringLiteral("attn_q.weight"), QStringLiteral("ffn_up.weight")}));
    proxy_.setWeightsOnly(false);
    EXPECT_EQ(proxy_.rowCount(), 3);
}

TEST_F(TensorTreeModelTest, SortingOrdersSiblingsByTheirNumbers)
{
    model_.setTensors(llmLikeTensors());
    proxy_.sort(TensorTreeModel::ParametersColumn, Qt::DescendingOrder);
    const QModelIndex block0 = proxy_.index(0, 0, proxy_.index(0, 0));
    EXPECT_EQ(childLabels(proxy_, {}).front(), QStringLiteral("blk")); // 400 parameters
    EXPECT_EQ(childLabels(proxy_, block0),
              (QStringList{QStringLiteral("ffn_up.weight"), QStringLiteral("attn_q.weight"),
                           QStringLiteral("attn_norm.weight")}));
}

} // namespace
} // namespace qs::ui
