// The tensor table on the real PP-OCRv4 SVTR neck (26 float32 tensors): model contracts
// under QAbstractItemModelTester, cell contents, the sort role and sorting through a proxy.

#include "analysis/model_analyzer.h"
#include "model_tester_messages.h"
#include "tensor_table_model.h"

#include <QAbstractItemModelTester>
#include <QLocale>
#include <QSortFilterProxyModel>
#include <QStringList>
#include <cmath>
#include <gtest/gtest.h>

namespace qs::ui {
namespace {

const std::string kModelPath = QS_SHARED_MODELS_DIR "/ppocrv4_rec_svtr_neck.safetensors";

class TensorTableModelTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        ModelTesterMessages::messages().clear();
        file_ = openModel(kModelPath);
        tester_ = std::make_unique<QAbstractItemModelTester>(
            &model_, QAbstractItemModelTester::FailureReportingMode::Warning);
    }
    void TearDown() override
    {
        EXPECT_TRUE(ModelTesterMessages::messages().isEmpty())
            << ModelTesterMessages::messages().join(QLatin1Char('\n')).toStdString();
    }

    // Analyses the model synchronously, as the runner would off the GUI thread.
    std::shared_ptr<const ModelReport> analyze(const QuantConfig& config = {})
    {
        return std::make_shared<const ModelReport>(analyzeModel(*file_, config));
    }

    int rowOf(const std::string& name) const
    {
        for (int row = 0; row < model_.rowCount(); ++row)
            if (cell(row, TensorTableModel::NameColumn) == QString::fromStdString(name))
                return row;
        return -1;
    }
    QString cell(int row, int column) const
    {
        return model_.data(model_.index(row, column)).toString();
    }
    QVariant sortValue(int row, int column) const
    {
        return model_.data(model_.index(row, column), TensorTableModel::SortRole);
    }

    ModelTesterMessages messages_;
    std::unique_ptr<ModelFile> file_;
    TensorTableModel model_;
    std::unique_ptr<QAbstractItemModelTester> tester_;
};

TEST_F(TensorTableModelTest, EmptyModelHasColumnsButNoRows)
{
    EXPECT_EQ(model_.rowCount(), 0);
    EXPECT_EQ(model_.columnCount(), TensorTableModel::ColumnCount);
    EXPECT_EQ(model_.headerData(TensorTableModel::SqnrColumn, Qt::Horizontal).toString(),
              QStringLiteral("SQNR dB"));
    model_.setReport(nullptr); // nothing to clear: must not signal bogus ranges
}

TEST_F(TensorTableModelTest, ListsTensorsBeforeAnyAnalysis)
{
    model_.setTensors(file_->tensors());
    ASSERT_EQ(model_.rowCount(), 26);
    const int row = rowOf("linear_77.w_0");
    ASSERT_GE(row, 0);
    EXPECT_EQ(cell(row, TensorTableModel::ShapeColumn), QStringLiteral("120\u00D7360"));
    EXPECT_EQ(cell(row, TensorTableModel::DTypeColumn), QStringLiteral("F32"));
    EXPECT_EQ(cell(row, TensorTableModel::ParametersColumn), QLocale().toString(43200));
    EXPECT_EQ(sortValue(row, TensorTableModel::ParametersColumn).toULongLong(), 43200u);
    EXPECT_EQ(sortValue(row, TensorTableModel::ShapeColumn).toULongLong(), 43200u);
    // No report yet: the analysis cells are empty, and so is their sort value.
    EXPECT_FALSE(model_.data(model_.index(row, TensorTableModel::SqnrColumn)).isValid());
    EXPECT_FALSE(sortValue(row, TensorTableModel::SqnrColumn).isValid());
    EXPECT_FALSE(model_.data(model_.index(row, TensorTableModel::StatusColumn)).isValid());
}

TEST_F(TensorTableModelTest, ShowsTheReportNumbers)
{
    model_.setTensors(file_->tensors());
    model_.setReport(analyze()); // int8, symmetric, channel:0, minmax
    const int row = rowOf("linear_77.w_0");
    ASSERT_GE(row, 0);
    // The values the CLI prints for this tensor under the same settings.
    EXPECT_EQ(cell(row, TensorTableModel::SqnrColumn), QStringLiteral("41.64"));
    EXPECT_EQ(cell(row, TensorTableModel::MseColumn), QStringLiteral("6.378e-07"));
    EXPECT_EQ(cell(row, TensorTableModel::MaxAbsErrColumn), QStringLiteral("4.006e-03"));
    EXPECT_EQ(cell(row, TensorTableModel::CosineColumn), QStringLiteral("0.999966"));
    EXPECT_EQ(cell(row, TensorTableModel::StatusColumn), QStringLiteral("analysed"));
    EXPECT_NEAR(sortValue(row, TensorTableModel::SqnrColumn).toDouble(), 41.64, 0.005);
    EXPECT_NEAR(sortValue(row, TensorTableModel::MseColumn).toDouble(), 6.378e-7, 1e-10);

    // A bias that survives per-element scales exactly has an infinite SQNR.
    const int exact = rowOf("layer_norm_43.b_0");
    ASSERT_GE(exact, 0);
    EXPECT_EQ(cell(exact, TensorTableModel::SqnrColumn), QStringLiteral("\u221E"));
    EXPECT_TRUE(std::isinf(sortValue(exact, TensorTableModel::SqnrColumn).toDouble()));

    model_.setReport(nullptr);
    EXPECT_FALSE(model_.data(model_.index(row, TensorTableModel::SqnrColumn)).isValid());
}

TEST_F(TensorTableModelTest, ShowsWhyATensorWasSkipped)
{
    model_.setTensors(file_->tensors());
    QuantConfig config;
    config.granularity = parseGranularity("channel:1"); // 1-D tensors have no axis 1
    model_.setReport(analyze(config));
    const int bias = rowOf("linear_77.b_0");
    const int weight = rowOf("linear_77.w_0");
    EXPECT_EQ(cell(bias, TensorTableModel::StatusColumn),
              QStringLiteral("skipped: channel axis 1 is beyond the tensor's rank 1"));
    EXPECT_FALSE(sortValue(bias, TensorTableModel::SqnrColumn).isValid());
    EXPECT_EQ(cell(weight, TensorTableModel::StatusColumn), QStringLiteral("analysed"));
    EXPECT_TRUE(sortValue(weight, TensorTableModel::SqnrColumn).isValid());
}

TEST_F(TensorTableModelTest, NewTensorsDropTheOldReport)
{
    model_.setTensors(file_->tensors());
    model_.setReport(analyze());
    model_.setTensors(file_->tensors());
    EXPECT_EQ(model_.report(), nullptr);
    EXPECT_FALSE(model_.data(model_.index(0, TensorTableModel::SqnrColumn)).isValid());
}

TEST_F(TensorTableModelTest, SortsByRawValuesThroughAProxy)
{
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model_);
    proxy.setSortRole(TensorTableModel::SortRole);
    QAbstractItemModelTester proxyTester(&proxy,
                                         QAbstractItemModelTester::FailureReportingMode::Warning);
    model_.setTensors(file_->tensors());
    model_.setReport(analyze());

    const auto name = [&](int row) {
        return proxy.index(row, TensorTableModel::NameColumn).data().toString();
    };
    proxy.sort(TensorTableModel::SqnrColumn, Qt::AscendingOrder);
    EXPECT_EQ(name(0), QStringLiteral("linear_81.w_0")); // 40.61 dB, the worst
    // Numerically, not as text: "160.08" must not sort before "41.64".
    double previous = -1;
    for (int row = 0; row < proxy.rowCount(); ++row) {
        const double sqnr = proxy.index(row, TensorTableModel::SqnrColumn)
                                .data(TensorTableModel::SortRole)
                                .toDouble();
        EXPECT_GE(sqnr, previous) << "row " << row;
        previous = sqnr;
    }
    proxy.sort(TensorTableModel::ParametersColumn, Qt::DescendingOrder);
    EXPECT_EQ(proxy.index(0, TensorTableModel::ParametersColumn)
                  .data(TensorTableModel::SortRole)
                  .toULongLong(),
              43200u);

    proxy.setFilterKeyColumn(TensorTableModel::NameColumn);
    proxy.setFilterFixedString(QStringLiteral("linear_8"));
    EXPECT_EQ(proxy.rowCount(), 10); // linear_80 .. linear_84, weight and bias each
}

} // namespace
} // namespace qs::ui
