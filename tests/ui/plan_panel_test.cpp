// The Formats & Plan dock: the measured options and the plan are the core's, the chart
// draws them with the Pareto front, the budget re-plans, and the exports are the CLI's.
#include "analysed_window.h"
#include "analysis_runner.h"
#include "main_window.h"
#include "pareto_chart.h"
#include "plan_panel.h"
#include "report/plan_report.h"

#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QFile>
#include <QLabel>
#include <QLineSeries>
#include <QPushButton>
#include <QScatterSeries>
#include <QSettings>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <gtest/gtest.h>

namespace qs::ui {
namespace {

const QString kModel = QStringLiteral(QS_SHARED_MODELS_DIR "/ch_ppocr_mobile_v2.0_cls_infer.onnx");

TEST(PlanPanelInWindow, MeasuresPlansDrawsAndExportsTheCoresNumbers)
{
    test::AnalysedWindow analysed;
    ASSERT_TRUE(analysed.open(kModel));
    MainWindow& window = analysed.window;
    const QStringList& errors = analysed.errors;
    PlanPanel* panel = window.planPanel();
    EXPECT_EQ(panel->table(), nullptr) << "measured only on request";

    QSignalSpy planned(panel, &PlanPanel::planChanged);
    QTest::mouseClick(panel->measureButton(), Qt::LeftButton);
    ASSERT_TRUE(planned.wait(120000));
    ASSERT_TRUE(panel->table() && panel->plan());

    const auto file = openModel(kModel.toStdString());
    const FormatTable expected =
        measureFormatOptions(*file, defaultFormatOptions(window.currentConfig()), {});
    const FormatTable& table = *panel->table();
    ASSERT_EQ(table.layers, expected.layers);
    ASSERT_EQ(table.options.size(), expected.options.size());
    std::uint64_t weights = 0;
    for (auto n : table.numel)
        weights += n;
    const MixedPlan plan = planMixedPrecision(expected, 4.5 * double(weights));
    EXPECT_EQ(panel->plan()->choice, plan.choice);
    EXPECT_EQ(panel->plan()->sqnrDb, plan.sqnrDb);

    // The chart: every option, the front, the plan's star at its bits and SQNR.
    ParetoChart* chart = panel->chart();
    EXPECT_EQ(chart->optionSeries()->count(), int(table.options.size()));
    std::vector<std::pair<double, double>> points;
    for (std::size_t o = 0; o < table.options.size(); ++o) {
        const auto p = table.modelPoint(o);
        points.push_back({p.bitsPerWeight, -p.sqnrDb});
    }
    const auto front = paretoOptimal(points);
    EXPECT_EQ(chart->frontSeries()->count(), int(std::count(front.begin(), front.end(), true)));
    ASSERT_EQ(chart->planSeries()->count(), 1);
    EXPECT_DOUBLE_EQ(chart->planSeries()->at(0).x(), plan.bits / double(weights));
    EXPECT_DOUBLE_EQ(chart->planSeries()->at(0).y(), plan.sqnrDb);
    EXPECT_EQ(panel->choices()->rowCount(), int(table.layers.size()));
    EXPECT_TRUE(panel->summary()->text().contains(QStringLiteral("optimal")));

    // A tighter budget: a new plan within it, with no more SQNR.
    planned.clear();
    panel->budgetSpin()->setValue(3.0);
    ASSERT_TRUE(planned.wait(60000)); // planned in the background
    EXPECT_LE(panel->plan()->bits, 3.0 * double(weights));
    EXPECT_LE(panel->plan()->sqnrDb, plan.sqnrDb);

    // The selected tensor's own options.
    std::size_t tensor = 0;
    while (file->tensors()[tensor].name != table.layers.front())
        ++tensor;
    window.selectTensor(tensor);
    panel->scopeCombo()->setCurrentIndex(1);
    int applicable = 0;
    for (const auto& cell : table.cells.front())
        applicable += cell.applies;
    EXPECT_EQ(chart->optionSeries()->count(), applicable);

    QTemporaryDir dir;
    const QString json = dir.filePath(QStringLiteral("plan.json"));
    ASSERT_TRUE(panel->savePlanJson(json));
    QFile saved(json);
    ASSERT_TRUE(saved.open(QIODevice::ReadOnly));
    const auto doc = nlohmann::json::parse(saved.readAll().toStdString());
    const auto expectedJson =
        nlohmann::json::parse(planJson(table, *panel->plan(), 3.0 * double(weights)).dump());
    EXPECT_TRUE(doc == expectedJson) << "the file is the CLI's plan JSON";
    QString refusal;
    EXPECT_FALSE(panel->saveLlamaTypes(dir.filePath(QStringLiteral("t.txt")), &refusal))
        << "int grids have no ggml type";
    EXPECT_TRUE(refusal.contains(QStringLiteral("--formats ggml")));
    EXPECT_TRUE(errors.isEmpty());

    panel->scopeCombo()->setCurrentIndex(0);
    auto* dock = window.findChild<QDockWidget*>(QStringLiteral("planDock"));
    ASSERT_NE(dock, nullptr);
    window.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
    dock->raise();
    QTest::qWait(50);
    QDir().mkpath(QStringLiteral(QS_SCREENSHOT_DIR));
    EXPECT_TRUE(window.grab().save(QStringLiteral(QS_SCREENSHOT_DIR "/formats_plan.png")));
}

} // namespace
} // namespace qs::ui
