// The A/B dock in the window: idle while closed; once opened, B's analysis, the per-layer
// differences, the summary and the two histograms are the core's numbers for A and B.
#include "analysed_window.h"
#include "analysis/storage_size.h"
#include "analysis_runner.h"
#include "compare_panel.h"
#include "histogram_chart.h"
#include "layer_delta_chart.h"
#include "main_window.h"
#include "quant/quant_options.h"
#include "settings_panel.h"

#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QLabel>
#include <QLineSeries>
#include <QSettings>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTest>
#include <QValueAxis>
#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>

namespace qs::ui {
namespace {

const QString kModel = QStringLiteral(QS_SHARED_MODELS_DIR "/ppocrv4_rec_svtr_neck.safetensors");

template <typename Condition> bool waitUntil(Condition condition, int milliseconds = 60000)
{
    for (int waited = 0; !condition() && waited < milliseconds; waited += 20)
        QTest::qWait(20);
    return condition();
}

TEST(ComparePanelInWindow, SecondConfigurationBesideTheFirstWithTheCoresNumbers)
{
    test::AnalysedWindow analysed;
    ASSERT_TRUE(analysed.open(kModel));
    MainWindow& window = analysed.window;
    const QStringList& errors = analysed.errors;
    ComparePanel* panel = window.comparePanel();
    EXPECT_FALSE(window.compareDock()->isVisible());
    EXPECT_FALSE(panel->secondRunner()->isRunning()) << "a closed dock does no work";
    EXPECT_FALSE(panel->comparison().has_value());

    window.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
    window.compareDock()->show();
    window.compareDock()->raise();
    const QStringList second{QStringLiteral("--dtype"), QStringLiteral("int4"),
                             QStringLiteral("--granularity"), QStringLiteral("group:40")};
    panel->secondSettings()->setCliArguments(second);
    ASSERT_TRUE(waitUntil([&] {
        return panel->comparison() &&
               toString(panel->comparison()->other.config.granularity) == "group:40";
    }));

    const auto file = openModel(kModel.toStdString());
    const QuantConfig firstConfig = window.currentConfig();
    const QuantConfig secondConfig =
        parseQuantizationOptions({"--dtype", "int4", "--granularity", "group:40"});
    const ModelReport a = analyzeModel(*file, firstConfig);
    const ModelReport b = analyzeModel(*file, secondConfig);
    ASSERT_EQ(a.layers.size(), b.layers.size());

    // One bar per tensor, in file order, each B's SQNR minus A's.
    const LayerDeltaChart* delta = panel->deltaChart();
    ASSERT_EQ(delta->barTensors().size(), a.layers.size());
    for (std::size_t i = 0; i < a.layers.size(); ++i) {
        EXPECT_EQ(file->tensors()[delta->barTensors()[i]].name, a.layers[i].name);
        const double expected = b.layers[i].metrics.sqnrDb - a.layers[i].metrics.sqnrDb;
        if (std::isfinite(expected))
            EXPECT_DOUBLE_EQ(delta->barDeltas()[i], expected) << a.layers[i].name;
        else
            EXPECT_EQ(std::signbit(delta->barDeltas()[i]), std::signbit(expected));
    }
    const QString summary = panel->summary()->text();
    const double bitsB = modelStorage(b).bitsPerWeight(b.summary.parameters);
    EXPECT_TRUE(summary.contains(QString::number(bitsB, 'f', 3))) << summary.toStdString();
    EXPECT_TRUE(summary.contains(
        QString::number(b.summary.metrics.sqnrDb - a.summary.metrics.sqnrDb, 'f', 2)));

    // The selected tensor under A and under B, on one value axis.
    QSignalSpy shown(panel, &ComparePanel::histogramsShown);
    std::size_t tensor = 0;
    while (file->tensors()[tensor].name != "linear_81.w_0")
        ++tensor;
    window.selectTensor(tensor);
    ASSERT_TRUE(shown.wait(60000));
    const TensorInspection inA = inspectTensor(*file, tensor, firstConfig);
    const TensorInspection inB = inspectTensor(*file, tensor, secondConfig);
    EXPECT_EQ(panel->firstHistogram()->clipLines()->at(1).x(), inA.overlay.clipLo);
    EXPECT_EQ(panel->secondHistogram()->clipLines()->at(1).x(), inB.overlay.clipLo);
    EXPECT_EQ(panel->firstHistogram()->valueAxis()->min(),
              panel->secondHistogram()->valueAxis()->min());
    EXPECT_EQ(panel->firstHistogram()->valueAxis()->max(),
              panel->secondHistogram()->valueAxis()->max());
    EXPECT_LE(panel->secondHistogram()->valueAxis()->min(), std::min(inA.values.lo, inB.values.lo));

    // The error histograms, on one axis too.
    panel->histogramChoice()->setCurrentIndex(1);
    EXPECT_EQ(panel->secondHistogram()->outline()->count(),
              2 * static_cast<int>(inB.errors.counts.size()));
    EXPECT_EQ(panel->firstHistogram()->valueAxis()->max(), std::max(inA.errors.hi, inB.errors.hi));
    panel->histogramChoice()->setCurrentIndex(0);

    // A bar click picks its tensor in the window.
    Q_EMIT panel->deltaChart()->tensorSelected(delta->barTensors().front());
    EXPECT_EQ(window.proxyModel()->mapToSource(window.tableView()->currentIndex()).row(),
              static_cast<int>(delta->barTensors().front()));
    EXPECT_TRUE(errors.isEmpty()) << errors.join(QLatin1Char('\n')).toStdString();

    window.selectTensor(tensor);
    ASSERT_TRUE(shown.wait(60000));
    QDir().mkpath(QStringLiteral(QS_SCREENSHOT_DIR));
    EXPECT_TRUE(window.grab().save(QStringLiteral(QS_SCREENSHOT_DIR "/compare_ab.png")));
}

} // namespace
} // namespace qs::ui
