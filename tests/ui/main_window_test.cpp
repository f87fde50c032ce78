// The window end to end on the real PP-OCRv4 SVTR neck: open, analyse off the GUI thread,
// re-analyse on a settings change, bad files and bad settings, cancel and stale results.

#include "analysis/layer_ranking.h"
#include "analysis_runner.h"
#include "chart_export.h"
#include "common/error.h"
#include "display_text.h"
#include "histogram_chart.h"
#include "layer_error_chart.h"
#include "main_window.h"
#include "model_browser.h"
#include "tensor_filter_proxy.h"
#include "tensor_inspector.h"
#include "tensor_table_model.h"
#include "tensor_tree_model.h"

#include <QAbstractAxis>
#include <QApplication>
#include <QBarSeries>
#include <QBarSet>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QMimeData>
#include <QPalette>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>
#include <QUrl>
#include <QValueAxis>
#include <atomic>
#include <chrono>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

namespace qs::ui {
namespace {

const QString kModelPath =
    QStringLiteral(QS_SHARED_MODELS_DIR "/ppocrv4_rec_svtr_neck.safetensors");
// Generous: the analysis takes milliseconds, but CI machines are shared.
constexpr int kWaitMs = 20000;

struct ReportedError {
    QString title;
    QString message;
};

// Every window starts from no saved settings, whatever an earlier test left behind.
struct FreshSettings {
    FreshSettings() { QSettings().clear(); }
};

class MainWindowTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        window_.setErrorReporter([this](const QString& title, const QString& message) {
            errors_.push_back({title, message});
        });
    }

    // Waits for the next analysisReady (or one already emitted into `spy`).
    static bool waitFor(QSignalSpy& spy) { return !spy.isEmpty() || spy.wait(kWaitMs); }

    bool openAndAnalyse(const QString& path = kModelPath)
    {
        QSignalSpy ready(window_.analysisRunner(), &AnalysisRunner::analysisReady);
        return window_.openModel(path) && waitFor(ready);
    }

    QString proxyCell(int row, int column) const
    {
        return window_.proxyModel()->index(row, column).data().toString();
    }

    FreshSettings freshSettings_; // before window_, which reads them
    MainWindow window_;
    std::vector<ReportedError> errors_;
};

// A stand-in for qs::analyzeModel that runs until it is cancelled through its Progress,
// reporting as the core does, and records that it ran and that it stopped.
struct StandInState {
    std::atomic<bool> running{false};
    std::atomic<bool> stopped{false};
};

AnalysisRunner::AnalyzeFunction untilCancelled(std::shared_ptr<StandInState> state)
{
    return [state](const ModelFile&, const QuantConfig&, const AnalyzeOptions& options) {
        using namespace std::chrono_literals;
        state->running = true;
        for (std::uint64_t done = 0; done < 2000; ++done) { // at most ~20 s
            if (!options.progress->report(done, 2000)) {
                state->stopped = true;
                throw CancelledError();
            }
            std::this_thread::sleep_for(10ms);
        }
        return ModelReport{};
    };
}

// Processes events until `condition` holds or kWaitMs pass.
template <typename Condition> bool waitUntil(Condition condition)
{
    for (int waited = 0; !condition() && waited < kWaitMs; waited += 10)
        QTest::qWait(10);
    return condition();
}

TEST_F(MainWindowTest, OpeningTheModelListsTensorsThenShowsTheirError)
{
    QSignalSpy ready(window_.analysisRunner(), &AnalysisRunner::analysisReady);
    ASSERT_TRUE(window_.openModel(kModelPath));
    // The tensor list comes from the header, before the analysis is done.
    EXPECT_EQ(window_.proxyModel()->rowCount(), 26);
    EXPECT_TRUE(window_.cancelButton()->isVisibleTo(&window_));
    ASSERT_TRUE(waitFor(ready));

    ASSERT_NE(window_.report(), nullptr);
    EXPECT_EQ(window_.report()->layers.size(), 26u);
    for (int row = 0; row < 26; ++row) {
        bool isNumber = false;
        proxyCell(row, TensorTableModel::SqnrColumn).toDouble(&isNumber);
        const bool isInfinite =
            proxyCell(row, TensorTableModel::SqnrColumn) == QStringLiteral("\u221E");
        EXPECT_TRUE(isNumber || isInfinite) << "row " << row;
    }
    EXPECT_FALSE(window_.cancelButton()->isVisibleTo(&window_));
    EXPECT_TRUE(window_.summaryLabel()->text().contains(QStringLiteral("26 of 26 tensors")));
    EXPECT_TRUE(window_.summaryLabel()->text().contains(QStringLiteral("42.79 dB")))
        << window_.summaryLabel()->text().toStdString();
    EXPECT_TRUE(errors_.empty());

    // Sorted by SQNR the worst tensor comes first; the filter narrows by name.
    window_.tableView()->sortByColumn(TensorTableModel::SqnrColumn, Qt::AscendingOrder);
    EXPECT_EQ(proxyCell(0, TensorTableModel::NameColumn), QStringLiteral("linear_81.w_0"));
    window_.filterEdit()->setText(QStringLiteral("LAYER_NORM"));
    EXPECT_EQ(window_.proxyModel()->rowCount(), 10);
    window_.filterEdit()->clear();
    window_.tableView()->sortByColumn(-1, Qt::AscendingOrder);

    // For the eyes of whoever changes the window: how it looks with a model analysed.
    window_.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window_));
    ASSERT_TRUE(QDir().mkpath(QStringLiteral(QS_SCREENSHOT_DIR)));
    EXPECT_TRUE(window_.grab().save(QStringLiteral(QS_SCREENSHOT_DIR "/main_window.png")));
}

// The row of the tensor called `name` in the (unsorted, unfiltered) table.
int rowOf(const QAbstractItemModel& model, const QString& name)
{
    for (int row = 0; row < model.rowCount(); ++row)
        if (model.index(row, TensorTableModel::NameColumn).data().toString() == name)
            return row;
    return -1;
}

TEST_F(MainWindowTest, OpensQuantizedGgufAndOnnxFiles)
{
    ASSERT_TRUE(openAndAnalyse(QStringLiteral(QS_TEST_DATA_DIR "/gguf/quantized_blocks.gguf")));
    const QAbstractItemModel& table = *window_.proxyModel();
    const int q4k = rowOf(table, QStringLiteral("quant.q4_k"));
    ASSERT_GE(q4k, 0);
    EXPECT_EQ(proxyCell(q4k, TensorTableModel::DTypeColumn), QStringLiteral("Q4_K"));
    EXPECT_EQ(table.index(q4k, TensorTableModel::DTypeColumn).data(Qt::ToolTipRole).toString(),
              QStringLiteral("4.5 bits per element"));
    bool isNumber = false;
    proxyCell(q4k, TensorTableModel::SqnrColumn).toDouble(&isNumber);
    EXPECT_TRUE(isNumber) << proxyCell(q4k, TensorTableModel::SqnrColumn).toStdString();
    const int iq2 = rowOf(table, QStringLiteral("unsupported.iq2_xxs"));
    ASSERT_GE(iq2, 0);
    EXPECT_TRUE(proxyCell(iq2, TensorTableModel::StatusColumn).contains(QStringLiteral("IQ2_XXS")));

    ASSERT_TRUE(openAndAnalyse(QStringLiteral(QS_TEST_DATA_DIR "/onnx/qdq.onnx")));
    const int weight = rowOf(table, QStringLiteral("w_pa_q"));
    ASSERT_GE(weight, 0);
    EXPECT_EQ(proxyCell(weight, TensorTableModel::DTypeColumn), QStringLiteral("I8 (dequantized)"));
    EXPECT_TRUE(table.index(weight, TensorTableModel::NameColumn)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("as its weight")));
    EXPECT_TRUE(errors_.empty());

    ASSERT_TRUE(openAndAnalyse(QStringLiteral(QS_TEST_DATA_DIR "/gguf/quantized_blocks.gguf")));
    window_.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window_));
    ASSERT_TRUE(QDir().mkpath(QStringLiteral(QS_SCREENSHOT_DIR)));
    EXPECT_TRUE(window_.grab().save(QStringLiteral(QS_SCREENSHOT_DIR "/main_window_gguf.png")));
}

TEST_F(MainWindowTest, FewerBitsLowerTheModelSqnr)
{
    ASSERT_TRUE(openAndAnalyse());
    const double int8 = window_.report()->summary.metrics.sqnrDb;

    QSignalSpy ready(window_.analysisRunner(), &AnalysisRunner::analysisReady);
    window_.dtypeCombo()->setCurrentText(QStringLiteral("int4"));
    ASSERT_TRUE(waitFor(ready));
    const double int4 = window_.report()->summary.metrics.sqnrDb;
    EXPECT_EQ(window_.report()->config.format.bits, 4);
    // About 6 dB a bit: four bits fewer cost well over 15 dB.
    EXPECT_LT(int4, int8 - 15) << "int8 " << int8 << " dB, int4 " << int4 << " dB";
    EXPECT_TRUE(window_.summaryLabel()->text().contains(QString::number(int4, 'f', 2)));
}

TEST_F(MainWindowTest, PresetFixesTheOtherSettings)
{
    ASSERT_TRUE(openAndAnalyse());
    QSignalSpy ready(window_.analysisRunner(), &AnalysisRunner::analysisReady);
    window_.dtypeCombo()->setCurrentText(QStringLiteral("mxfp4"));
    EXPECT_FALSE(window_.granularityCombo()->isEnabled());
    ASSERT_TRUE(waitFor(ready));
    EXPECT_EQ(window_.report()->config.preset, Preset::Mxfp4);
    // 360 is not a multiple of the 32-element block: the qkv bias is skipped, and says why.
    EXPECT_FALSE(window_.report()->skipped.empty());
    window_.dtypeCombo()->setCurrentText(QStringLiteral("int8"));
    EXPECT_TRUE(window_.granularityCombo()->isEnabled());
}

TEST_F(MainWindowTest, BrokenFileIsReportedAndTheWindowKeepsWorking)
{
    ASSERT_TRUE(openAndAnalyse());
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const QString broken = dir.filePath(QStringLiteral("broken.safetensors"));
    QFile file(broken);
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    file.write("\x07\x00\x00\x00\x00\x00\x00\x00not json at all", 23);
    file.close();

    EXPECT_FALSE(window_.openModel(broken));
    ASSERT_EQ(errors_.size(), 1u);
    EXPECT_TRUE(errors_[0].message.contains(QStringLiteral("broken.safetensors")))
        << errors_[0].message.toStdString();
    // The model shown before stays, and the window still analyses.
    EXPECT_EQ(window_.proxyModel()->rowCount(), 26);
    QSignalSpy ready(window_.analysisRunner(), &AnalysisRunner::analysisReady);
    window_.dtypeCombo()->setCurrentText(QStringLiteral("int6"));
    EXPECT_TRUE(waitFor(ready));

    EXPECT_FALSE(window_.openModel(dir.filePath(QStringLiteral("missing.safetensors"))));
    EXPECT_EQ(errors_.size(), 2u);
}

TEST_F(MainWindowTest, SettingsThatDoNotApplyAreDisabled)
{
    ASSERT_TRUE(openAndAnalyse());
    window_.schemeCombo()->setCurrentText(QStringLiteral("asymmetric"));
    QSignalSpy ready(window_.analysisRunner(), &AnalysisRunner::analysisReady);
    // Floating-point formats are symmetric: the scheme is disabled and not used.
    window_.dtypeCombo()->setCurrentText(QStringLiteral("fp8-e4m3"));
    EXPECT_FALSE(window_.schemeCombo()->isEnabled());
    EXPECT_TRUE(window_.calibrationCombo()->isEnabled());
    ASSERT_TRUE(waitFor(ready));
    EXPECT_EQ(window_.report()->config.scheme, Scheme::Symmetric);
    // An unscaled cast has nothing to calibrate.
    window_.dtypeCombo()->setCurrentText(QStringLiteral("bf16"));
    EXPECT_FALSE(window_.calibrationCombo()->isEnabled());
    EXPECT_FALSE(window_.granularityCombo()->isEnabled());
    EXPECT_TRUE(errors_.empty());
}

TEST_F(MainWindowTest, SettingsTheCoreRefusesAreReported)
{
    ASSERT_TRUE(openAndAnalyse());
    QSignalSpy ready(window_.analysisRunner(), &AnalysisRunner::analysisReady);
    window_.calibrationCombo()->setCurrentText(QStringLiteral("kl"));
    ASSERT_TRUE(waitFor(ready));
    // Entropy calibration is symmetric only: refused before any analysis starts.
    window_.schemeCombo()->setCurrentText(QStringLiteral("asymmetric"));
    ASSERT_EQ(errors_.size(), 1u);
    EXPECT_TRUE(errors_[0].message.contains(QStringLiteral("symmetric only")))
        << errors_[0].message.toStdString();
    EXPECT_EQ(window_.report(), nullptr);
    EXPECT_FALSE(window_.analysisRunner()->isRunning());
    // Back to a valid combination, the analysis runs again.
    window_.calibrationCombo()->setCurrentText(QStringLiteral("mse"));
    EXPECT_TRUE(waitFor(ready));
}

TEST_F(MainWindowTest, CancelStopsTheAnalysis)
{
    auto state = std::make_shared<StandInState>();
    window_.analysisRunner()->setAnalyzeFunction(untilCancelled(state));
    QSignalSpy ready(window_.analysisRunner(), &AnalysisRunner::analysisReady);
    QSignalSpy cancelled(window_.analysisRunner(), &AnalysisRunner::analysisCancelled);
    ASSERT_TRUE(window_.openModel(kModelPath));
    // Cancel a worker that is running, not one still queued (which would never start).
    ASSERT_TRUE(waitUntil([&] { return state->running.load(); }));

    window_.cancelButton()->click();
    EXPECT_EQ(cancelled.count(), 1);
    EXPECT_FALSE(window_.cancelButton()->isVisibleTo(&window_));
    EXPECT_TRUE(window_.summaryLabel()->text().contains(QStringLiteral("cancelled")));
    EXPECT_TRUE(waitUntil([&] { return state->stopped.load(); }))
        << "the worker did not see the cancellation";
    QTest::qWait(100);
    EXPECT_TRUE(ready.isEmpty());
    EXPECT_TRUE(errors_.empty()); // cancelling is not an error

    // The real analysis runs again afterwards.
    window_.analysisRunner()->setAnalyzeFunction(&analyzeModel);
    window_.reanalyze();
    EXPECT_TRUE(waitFor(ready));
}

TEST_F(MainWindowTest, TensorsFillInAsTheyAreAnalysed)
{
    // A stand-in that really analyses the first three tensors (reporting each as done) and
    // then stays busy until cancelled: the table must show those three meanwhile.
    auto state = std::make_shared<StandInState>();
    const auto busy = untilCancelled(state);
    window_.analysisRunner()->setAnalyzeFunction(
        [busy](const ModelFile& model, const QuantConfig& config, const AnalyzeOptions& options) {
            AnalyzeOptions firstThree = options;
            firstThree.progress = nullptr;
            firstThree.tensorFilter = std::regex("^layer_norm_43|^layer_norm_44\\.b_0");
            analyzeModel(model, config, firstThree);
            return busy(model, config, options);
        });
    QSignalSpy partial(window_.analysisRunner(), &AnalysisRunner::partialReport);
    ASSERT_TRUE(window_.openModel(kModelPath));
    ASSERT_TRUE(partial.wait(kWaitMs));
    const auto report = partial.back()[0].value<std::shared_ptr<const ModelReport>>();
    ASSERT_EQ(report->layers.size(), 3u);
    EXPECT_EQ(report->layers[0].name, "layer_norm_43.b_0"); // in file order
    EXPECT_EQ(report->layers[2].name, "layer_norm_44.b_0");
    EXPECT_TRUE(window_.summaryLabel()->text().contains(QStringLiteral("3 of 26")))
        << window_.summaryLabel()->text().toStdString();
    // Their numbers are in the table (the real ones); the others are still being analysed.
    QuantConfig config = window_.currentConfig();
    AnalyzeOptions only;
    only.tensorFilter = std::regex("^layer_norm_43\\.b_0$");
    const ModelReport expected = analyzeModel(*openModel(kModelPath.toStdString()), config, only);
    EXPECT_EQ(proxyCell(0, TensorTableModel::SqnrColumn),
              decibelText(expected.layers[0].metrics.sqnrDb));
    EXPECT_EQ(proxyCell(5, TensorTableModel::StatusColumn), QStringLiteral("analysing\u2026"));

    window_.cancelButton()->click();
    EXPECT_TRUE(waitUntil([&] { return state->stopped.load(); }));
    EXPECT_EQ(proxyCell(5, TensorTableModel::StatusColumn), QStringLiteral("not analysed"));
}

TEST_F(MainWindowTest, NewerRequestSupersedesTheRunningOne)
{
    // The first request ignores cancellation and answers late; only the second may arrive.
    auto calls = std::make_shared<std::atomic<int>>(0);
    AnalysisRunner runner;
    runner.setAnalyzeFunction(
        [calls](const ModelFile& model, const QuantConfig& config, const AnalyzeOptions&) {
            ModelReport report;
            report.config = config;
            if ((*calls)++ == 0)
                std::this_thread::sleep_for(std::chrono::milliseconds(300));
            report.path = model.path();
            return report;
        });
    std::shared_ptr<const ModelFile> model = openModel(kModelPath.toStdString());
    QSignalSpy ready(&runner, &AnalysisRunner::analysisReady);
    runner.start(model, QuantConfig{});
    QuantConfig int4;
    int4.format = parseNumberFormat("int4");
    runner.start(model, int4);
    ASSERT_TRUE(waitFor(ready));
    QTest::qWait(500); // long enough for the first worker to have finished too
    ASSERT_EQ(ready.count(), 1);
    const auto report = ready.at(0).at(0).value<std::shared_ptr<const ModelReport>>();
    EXPECT_EQ(report->config.format.bits, 4);
}

TEST(MainWindowLifetime, ClosingDuringAnAnalysisDropsItsResult)
{
    auto* window = new MainWindow;
    window->setErrorReporter([](const QString&, const QString&) {});
    ASSERT_TRUE(window->openModel(kModelPath));
    delete window; // the worker may still be running: nothing may reach the window
    QTest::qWait(200);
}

} // namespace
} // namespace qs::ui

namespace qs::ui {
namespace {

TEST_F(MainWindowTest, ModelBrowserGroupsTensorsAndSelectsThemInTheTable)
{
    ASSERT_TRUE(
        openAndAnalyse(QStringLiteral(QS_SHARED_MODELS_DIR "/silero_vad_op18_ifless.onnx")));
    ModelBrowser& browser = *window_.modelBrowser();
    const QAbstractItemModel& tree = *browser.filterProxy();
    ASSERT_GT(tree.rowCount(), 0);
    EXPECT_EQ(tree.index(0, 0).data().toString(), QStringLiteral("model"));
    // The group's error is shown as soon as the analysis is in.
    EXPECT_TRUE(tree.index(0, TensorTreeModel::SqnrColumn).data().isValid());

    // Narrow to the encoder convolutions' weights, then pick one: the table follows.
    browser.weightsOnlyCheck()->setChecked(true);
    browser.regexCheck()->setChecked(true);
    browser.filterEdit()->setText(QStringLiteral("^model\\.encoder\\.[0-9]"));
    const auto& tensors = browser.treeModel()->tensors();
    std::size_t wanted = tensors.size();
    for (std::size_t t = 0; t < tensors.size(); ++t)
        if (tensors[t].name == "model.encoder.2.reparam_conv.weight")
            wanted = t;
    ASSERT_LT(wanted, tensors.size());
    const QModelIndex leaf =
        browser.filterProxy()->mapFromSource(browser.treeModel()->indexOfTensor(wanted));
    ASSERT_TRUE(leaf.isValid());
    browser.treeView()->setCurrentIndex(leaf);
    const QModelIndex current = window_.tableView()->currentIndex();
    ASSERT_TRUE(current.isValid());
    EXPECT_EQ(current.siblingAtColumn(TensorTableModel::NameColumn).data().toString(),
              QStringLiteral("model.encoder.2.reparam_conv.weight"));
    // And the other way: the browser selects a tensor it is asked to show.
    browser.selectTensor(wanted);
    EXPECT_EQ(browser.treeView()->currentIndex(), leaf);

    window_.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window_));
    ASSERT_TRUE(QDir().mkpath(QStringLiteral(QS_SCREENSHOT_DIR)));
    EXPECT_TRUE(window_.grab().save(QStringLiteral(QS_SCREENSHOT_DIR "/main_window_browser.png")));
}

} // namespace
} // namespace qs::ui

namespace qs::ui {
namespace {

TEST_F(MainWindowTest, SelectedTensorShowsItsHistogramsAndTheTablesNumbers)
{
    ASSERT_TRUE(openAndAnalyse());
    window_.granularityCombo()->setCurrentText(QStringLiteral("tensor"));
    window_.dtypeCombo()->setCurrentText(QStringLiteral("int4"));
    QSignalSpy ready(window_.analysisRunner(), &AnalysisRunner::analysisReady);
    ASSERT_TRUE(waitFor(ready));
    const int row = rowOf(*window_.proxyModel(), QStringLiteral("linear_78.w_0"));
    ASSERT_GE(row, 0);

    TensorInspector& inspector = *window_.tensorInspector();
    QSignalSpy inspected(&inspector, &TensorInspector::inspectionReady);
    window_.tableView()->setCurrentIndex(window_.proxyModel()->index(row, 0));
    ASSERT_TRUE(waitFor(inspected));
    ASSERT_TRUE(inspector.inspection());
    const TensorInspection& in = *inspector.inspection();

    // The same SQNR as the table shows for the tensor, to its two decimals.
    const QString tableSqnr = proxyCell(row, TensorTableModel::SqnrColumn);
    EXPECT_EQ(QString::number(in.layer.metrics.sqnrDb, 'f', 2), tableSqnr);
    EXPECT_TRUE(inspector.detailsLabel()->text().contains(QStringLiteral("SQNR")));
    // A step outline of every bin, the two clip lines, and the 16 levels of int4.
    EXPECT_EQ(inspector.valueChart()->outline()->count(), 2 * inspector.binsSpin()->value());
    EXPECT_EQ(inspector.valueChart()->clipLines()->count(), 4);
    EXPECT_EQ(inspector.valueChart()->gridLines()->count(), 3 * 16);
    EXPECT_EQ(inspector.valueChart()->clipLines()->at(1).x(), in.overlay.clipLo);

    // Fewer bins: recomputed off the GUI thread.
    inspected.clear();
    inspector.binsSpin()->setValue(64);
    ASSERT_TRUE(waitFor(inspected));
    EXPECT_EQ(inspector.valueChart()->outline()->count(), 128);

    window_.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window_));
    ASSERT_TRUE(QDir().mkpath(QStringLiteral(QS_SCREENSHOT_DIR)));
    EXPECT_TRUE(
        window_.grab().save(QStringLiteral(QS_SCREENSHOT_DIR "/main_window_histogram.png")));
}

} // namespace
} // namespace qs::ui

namespace qs::ui {
namespace {

TEST_F(MainWindowTest, LayerChartRanksTensorsAndSelectsTheOneClicked)
{
    window_.dtypeCombo()->setCurrentText(QStringLiteral("int4"));
    ASSERT_TRUE(openAndAnalyse());
    LayerErrorChart& chart = *window_.layerChart();
    const auto report = window_.report();
    ASSERT_TRUE(report);
    ASSERT_EQ(chart.bars()->count(), static_cast<int>(report->layers.size()));

    chart.setOrder(LayerErrorChart::Order::WorstFirst);
    double previous = -1;
    for (int bar = 0; bar < chart.bars()->count(); ++bar) {
        EXPECT_GE(chart.bars()->at(bar), previous) << bar; // lowest SQNR first
        previous = chart.bars()->at(bar);
    }
    // The worst tenth (26 tensors: 3) is highlighted, and they are the first bars.
    QList<int> selected = chart.bars()->selectedBars();
    std::sort(selected.begin(), selected.end());
    EXPECT_EQ(selected, (QList<int>{0, 1, 2}));

    // A click on the worst bar selects that tensor in the table.
    const std::size_t worst = chart.barTensors().front();
    Q_EMIT chart.series()->clicked(0, chart.bars());
    const QModelIndex current = window_.tableView()->currentIndex();
    ASSERT_TRUE(current.isValid());
    EXPECT_EQ(window_.proxyModel()->mapToSource(current).row(), static_cast<int>(worst));

    chart.setMetric(LayerErrorChart::Metric::Mse);
    EXPECT_FALSE(chart.series()->attachedAxes().isEmpty());
    bool logAxis = false;
    for (QAbstractAxis* axis : chart.series()->attachedAxes())
        logAxis = logAxis || qobject_cast<QLogValueAxis*>(axis) != nullptr;
    EXPECT_TRUE(logAxis);
    double largestMse = 0;
    for (const LayerReport& layer : report->layers)
        largestMse = std::max(largestMse, layer.metrics.mse);
    EXPECT_EQ(chart.bars()->at(0), largestMse); // worst first: the largest MSE

    window_.show();
    chart.setMetric(LayerErrorChart::Metric::Sqnr);
    chart.setOrder(LayerErrorChart::Order::Model);
    window_.findChild<QDockWidget*>(QStringLiteral("layersDock"))->raise();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window_));
    ASSERT_TRUE(QDir().mkpath(QStringLiteral(QS_SCREENSHOT_DIR)));
    EXPECT_TRUE(window_.grab().save(QStringLiteral(QS_SCREENSHOT_DIR "/main_window_layers.png")));
}

} // namespace
} // namespace qs::ui

namespace qs::ui {
namespace {

TEST_F(MainWindowTest, ExportsTheReportInTheCliLayouts)
{
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const QString json = dir.filePath(QStringLiteral("report.json"));
    EXPECT_FALSE(window_.exportReport(json, MainWindow::ExportFormat::Json)); // nothing yet
    ASSERT_EQ(errors_.size(), 1u);

    ASSERT_TRUE(openAndAnalyse());
    ASSERT_TRUE(window_.exportReport(json, MainWindow::ExportFormat::Json));
    QFile jsonFile(json);
    ASSERT_TRUE(jsonFile.open(QIODevice::ReadOnly));
    const auto doc = nlohmann::json::parse(jsonFile.readAll().toStdString());
    EXPECT_EQ(doc["quantscope_report"], 1);
    ASSERT_EQ(doc["layers"].size(), 26u);
    // Each layer's SQNR is the one the table shows.
    for (const auto& layer : doc["layers"]) {
        const int row =
            rowOf(*window_.proxyModel(), QString::fromStdString(layer["name"].get<std::string>()));
        ASSERT_GE(row, 0);
        if (layer["sqnr_db"].is_number()) {
            EXPECT_EQ(QString::number(layer["sqnr_db"].get<double>(), 'f', 2),
                      proxyCell(row, TensorTableModel::SqnrColumn));
        }
    }

    const QString csv = dir.filePath(QStringLiteral("report.csv"));
    ASSERT_TRUE(window_.exportReport(csv, MainWindow::ExportFormat::Csv));
    QFile csvFile(csv);
    ASSERT_TRUE(csvFile.open(QIODevice::ReadOnly | QIODevice::Text));
    const QStringList lines =
        QString::fromUtf8(csvFile.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    ASSERT_EQ(lines.size(), 27); // header and one row per tensor
    EXPECT_TRUE(lines.front().startsWith(QStringLiteral("name,shape,dtype,numel")));

    // A folder that does not exist: reported, nothing written, the window goes on.
    const std::size_t before = errors_.size();
    EXPECT_FALSE(window_.exportReport(dir.filePath(QStringLiteral("missing/report.json")),
                                      MainWindow::ExportFormat::Json));
    EXPECT_EQ(errors_.size(), before + 1);
    EXPECT_TRUE(errors_.back().message.contains(QStringLiteral("missing/report.json")));
}

TEST_F(MainWindowTest, ExportsTheHtmlAndPdfReport)
{
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    EXPECT_FALSE(window_.exportAction(MainWindow::ExportFormat::Html)->isEnabled());
    ASSERT_TRUE(openAndAnalyse());
    EXPECT_TRUE(window_.exportAction(MainWindow::ExportFormat::Html)->isEnabled());
    const QString html = dir.filePath(QStringLiteral("report.html"));
    ASSERT_TRUE(window_.exportReport(html, MainWindow::ExportFormat::Html));
    QFile page(html);
    ASSERT_TRUE(page.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(page.readAll());
    // The window's own report: its configuration and its worst layer first.
    const auto& report = *window_.report();
    EXPECT_TRUE(
        text.contains(QStringLiteral("<th>Granularity</th><td>%1</td>")
                          .arg(QString::fromStdString(toString(report.config.granularity)))));
    EXPECT_TRUE(text.contains(
        QStringLiteral("<h3>%1</h3>")
            .arg(QString::fromStdString(report.layers[worstLayers(report, 1).front()].name))));
    EXPECT_GE(text.count(QStringLiteral("data:image/png;base64,")), 4);

    const QString pdf = dir.filePath(QStringLiteral("report.pdf"));
    ASSERT_TRUE(window_.exportReport(pdf, MainWindow::ExportFormat::Pdf));
    QFile document(pdf);
    ASSERT_TRUE(document.open(QIODevice::ReadOnly));
    EXPECT_TRUE(document.read(5) == "%PDF-");
    EXPECT_TRUE(errors_.empty());
}

} // namespace
} // namespace qs::ui

namespace qs::ui {
namespace {

TEST_F(MainWindowTest, RemembersRecentFilesAndOpensDroppedOnes)
{
    QSettings().remove(QStringLiteral("recentFiles"));
    const QString onnx = QStringLiteral(QS_SHARED_MODELS_DIR "/silero_vad_op18_ifless.onnx");
    ASSERT_TRUE(openAndAnalyse());
    ASSERT_TRUE(openAndAnalyse(onnx));
    ASSERT_TRUE(openAndAnalyse()); // again: moves to the front, not listed twice
    const QStringList recent = window_.recentFiles();
    ASSERT_EQ(recent.size(), 2);
    EXPECT_EQ(recent[0], QFileInfo(kModelPath).absoluteFilePath());
    EXPECT_EQ(recent[1], QFileInfo(onnx).absoluteFilePath());
    // Kept across windows (QSettings), and a failed open does not enter the list.
    window_.openModel(QStringLiteral("/nonexistent/model.safetensors"));
    EXPECT_EQ(MainWindow().recentFiles(), recent);

    // Dropping a file on the window opens it.
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(onnx)});
    QSignalSpy ready(window_.analysisRunner(), &AnalysisRunner::analysisReady);
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window_, &enter);
    EXPECT_TRUE(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window_, &drop);
    ASSERT_TRUE(waitFor(ready));
    EXPECT_EQ(window_.windowFilePath(), onnx);
}

TEST_F(MainWindowTest, ResetLayoutBringsBackHiddenDocks)
{
    window_.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window_));
    auto* browserDock = window_.findChild<QDockWidget*>(QStringLiteral("modelBrowserDock"));
    ASSERT_NE(browserDock, nullptr);
    browserDock->hide();
    browserDock->setFloating(true);
    window_.resetLayout();
    EXPECT_TRUE(browserDock->isVisible());
    EXPECT_FALSE(browserDock->isFloating());
    EXPECT_EQ(window_.dockWidgetArea(browserDock), Qt::LeftDockWidgetArea);
}

} // namespace
} // namespace qs::ui

namespace qs::ui {
namespace {

TEST_F(MainWindowTest, ChartsCanBeSavedAsPngAndSvg)
{
    ASSERT_TRUE(openAndAnalyse());
    window_.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window_));
    QChartView* chart = window_.layerChart()->chartView();
    EXPECT_EQ(chart->actions().size(), 4); // copy, PNG, SVG, full screen in the context menu
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const QString png = dir.filePath(QStringLiteral("layers.png"));
    ASSERT_TRUE(saveChartPng(chart, png));
    const QImage image(png);
    EXPECT_FALSE(image.isNull());
    EXPECT_GE(image.width(), chart->width());

    const QString svg = dir.filePath(QStringLiteral("layers.svg"));
    ASSERT_TRUE(saveChartSvg(chart, svg));
    QFile file(svg);
    ASSERT_TRUE(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    EXPECT_TRUE(text.contains("<svg"));
    EXPECT_TRUE(text.contains("SQNR")); // the axis title, as text in the drawing
    EXPECT_FALSE(saveChartSvg(chart, dir.filePath(QStringLiteral("missing/layers.svg"))));
}

} // namespace
} // namespace qs::ui

namespace qs::ui {
namespace {

QPalette darkPalette()
{
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(43, 43, 43));
    dark.setColor(QPalette::WindowText, QColor(230, 230, 230));
    dark.setColor(QPalette::Base, QColor(30, 30, 30));
    dark.setColor(QPalette::AlternateBase, QColor(45, 45, 45));
    dark.setColor(QPalette::Text, QColor(224, 224, 224));
    dark.setColor(QPalette::Button, QColor(53, 53, 53));
    dark.setColor(QPalette::ButtonText, QColor(230, 230, 230));
    dark.setColor(QPalette::Mid, QColor(90, 90, 90));
    dark.setColor(QPalette::Highlight, QColor(42, 130, 218));
    dark.setColor(QPalette::HighlightedText, Qt::white);
    return dark;
}

TEST_F(MainWindowTest, ChartsFollowADarkPalette)
{
    ASSERT_TRUE(openAndAnalyse());
    QSignalSpy inspected(window_.tensorInspector(), &TensorInspector::inspectionReady);
    window_.selectTensor(
        static_cast<std::size_t>(rowOf(*window_.tensorModel(), QStringLiteral("linear_81.w_0"))));
    ASSERT_TRUE(waitFor(inspected));
    window_.setPalette(darkPalette()); // as a theme switch at run time would

    const QPalette dark = darkPalette();
    for (QChartView* view : window_.findChildren<QChartView*>()) {
        SCOPED_TRACE(view->chart()->title().toStdString());
        EXPECT_EQ(view->chart()->backgroundBrush().color(), dark.color(QPalette::Base));
        EXPECT_EQ(view->chart()->titleBrush().color(), dark.color(QPalette::Text));
        for (QAbstractAxis* axis : view->chart()->axes())
            EXPECT_EQ(axis->labelsColor(), dark.color(QPalette::Text));
    }
    // The layer chart builds new axes with each report: they come in the palette's colours.
    QSignalSpy ready(window_.analysisRunner(), &AnalysisRunner::analysisReady);
    window_.dtypeCombo()->setCurrentText(QStringLiteral("int4"));
    ASSERT_TRUE(waitFor(ready));
    for (QAbstractAxis* axis : window_.layerChart()->findChild<QChartView*>()->chart()->axes())
        EXPECT_EQ(axis->labelsColor(), dark.color(QPalette::Text));

    window_.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window_));
    const QImage shot = window_.grab().toImage();
    ASSERT_TRUE(shot.save(QStringLiteral(QS_SCREENSHOT_DIR "/main_window_dark.png")));
    // A pixel inside the weight histogram's frame, away from bars and lines: dark.
    HistogramChart* chart = window_.tensorInspector()->valueChart();
    const QPoint corner = chart->mapTo(&window_, QPoint(6, 6));
    EXPECT_LT(QColor(shot.pixel(corner * shot.devicePixelRatio())).lightness(), 80);
}

} // namespace
} // namespace qs::ui

namespace qs::ui {
namespace {

TEST_F(MainWindowTest, KeyboardShortcutsForTheUsualActions)
{
    ASSERT_TRUE(openAndAnalyse());
    window_.show();
    QApplication::setActiveWindow(&window_);
    ASSERT_TRUE(QTest::qWaitForWindowActive(&window_));

    // Ctrl+F: to the filter.
    QTest::keyClick(&window_, Qt::Key_F, Qt::ControlModifier);
    EXPECT_TRUE(window_.filterEdit()->hasFocus());

    // F5: the same analysis again.
    QSignalSpy ready(window_.analysisRunner(), &AnalysisRunner::analysisReady);
    QTest::keyClick(&window_, Qt::Key_F5);
    EXPECT_TRUE(waitFor(ready));

    // Escape: stops a running analysis.
    auto state = std::make_shared<StandInState>();
    window_.analysisRunner()->setAnalyzeFunction(untilCancelled(state));
    QSignalSpy cancelled(window_.analysisRunner(), &AnalysisRunner::analysisCancelled);
    QTest::keyClick(&window_, Qt::Key_F5);
    ASSERT_TRUE(waitUntil([&] { return state->running.load(); }));
    QTest::keyClick(&window_, Qt::Key_Escape);
    EXPECT_EQ(cancelled.count(), 1);
    EXPECT_TRUE(waitUntil([&] { return state->stopped.load(); }));
}

} // namespace
} // namespace qs::ui

namespace qs::ui {
namespace {

TEST_F(MainWindowTest, PresentationModeEnlargesTextAndRaisesContrastThenRestores)
{
    ASSERT_TRUE(openAndAnalyse());
    window_.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window_));
    const double normalSize = window_.font().pointSizeF();
    HistogramChart* chart = window_.tensorInspector()->valueChart();
    const int normalLabels = chart->valueAxis()->labelsFont().pointSize();

    window_.presentationAction()->trigger();
    EXPECT_TRUE(window_.presentationMode());
    EXPECT_NEAR(window_.font().pointSizeF(), 1.5 * normalSize, 0.01);
    // The charts' text grows too, and they turn white on black.
    EXPECT_GT(chart->valueAxis()->labelsFont().pointSize(), normalLabels);
    EXPECT_EQ(chart->chart()->backgroundBrush().color(), QColor(0, 0, 0));
    EXPECT_EQ(chart->valueAxis()->labelsColor(), QColor(255, 255, 255));
    EXPECT_TRUE(window_.windowState() & Qt::WindowFullScreen);
    QTest::qWait(50);
    EXPECT_TRUE(
        window_.grab().save(QStringLiteral(QS_SCREENSHOT_DIR "/main_window_presentation.png")));

    window_.presentationAction()->trigger();
    EXPECT_FALSE(window_.presentationMode());
    EXPECT_NEAR(window_.font().pointSizeF(), normalSize, 0.01);
    EXPECT_EQ(chart->valueAxis()->labelsFont().pointSize(), normalLabels);
    EXPECT_FALSE(window_.windowState() & Qt::WindowFullScreen);
}

} // namespace
} // namespace qs::ui
