// Every control of the settings dock, changed one after another in the window: after each
// change the numbers the window shows (its report, and the selected tensor's details) must
// equal what `quantscope-cli analyze` prints for the options the dock says it stands for.

#include "analysis_runner.h"
#include "main_window.h"
#include "report/json_report.h"
#include "settings_panel.h"
#include "tensor_inspector.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <functional>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace qs::ui {
namespace {

const QString kModelPath =
    QStringLiteral(QS_SHARED_MODELS_DIR "/ppocrv4_rec_svtr_neck.safetensors");
constexpr int kWaitMs = 20000;

nlohmann::json runCli(const QStringList& quantizationArguments)
{
    QProcess cli;
    cli.start(QStringLiteral(QS_CLI_PATH),
              QStringList{QStringLiteral("analyze"), kModelPath, QStringLiteral("--json"),
                          QStringLiteral("-")} +
                  quantizationArguments);
    if (!cli.waitForFinished(60000) || cli.exitCode() != 0) {
        nlohmann::json failure = nlohmann::json::object();
        failure["failed"] = cli.readAllStandardError().toStdString();
        return failure;
    }
    return nlohmann::json::parse(cli.readAllStandardOutput().toStdString());
}

struct Step {
    const char* what;
    std::function<void(SettingsPanel&)> change;
};

class GuiMatchesCli : public ::testing::Test {
protected:
    struct FreshSettings {
        FreshSettings() { QSettings().clear(); }
    } freshSettings_;
    MainWindow window_;
    QStringList errors_;
};

TEST_F(GuiMatchesCli, EveryControlGivesTheCliNumbers)
{
    window_.setErrorReporter(
        [this](const QString&, const QString& message) { errors_ << message; });
    QSignalSpy ready(window_.analysisRunner(), &AnalysisRunner::analysisReady);
    ASSERT_TRUE(window_.openModel(kModelPath));
    ASSERT_TRUE(ready.wait(kWaitMs));
    // The tensor whose details are checked: the first qkv projection, [120, 360].
    const std::size_t selected = 11;
    window_.selectTensor(selected);

    const std::vector<Step> steps = {
        {"format int4",
         [](SettingsPanel& p) {
             p.formatCombo()->setCurrentText(QStringLiteral("int4"));
         }},
        {"scheme asymmetric",
         [](SettingsPanel& p) {
             p.schemeCombo()->setCurrentText(QStringLiteral("asymmetric"));
         }},
        {"granularity group",
         [](SettingsPanel& p) {
             p.granularityCombo()->setCurrentText(QStringLiteral("group"));
         }},
        {"group size 40",
         [](SettingsPanel& p) {
             p.groupSizeSpin()->setValue(40);
         }},
        {"calibration percentile",
         [](SettingsPanel& p) {
             p.calibrationCombo()->setCurrentText(QStringLiteral("percentile"));
         }},
        {"percentile 99.5",
         [](SettingsPanel& p) {
             p.percentileSpin()->setValue(99.5);
         }},
        {"convention pytorch",
         [](SettingsPanel& p) {
             p.conventionCombo()->setCurrentText(QStringLiteral("pytorch"));
         }},
        {"granularity channel",
         [](SettingsPanel& p) {
             p.granularityCombo()->setCurrentText(QStringLiteral("channel"));
         }},
        {"axis 1",
         [](SettingsPanel& p) {
             p.axisSpin()->setValue(1);
         }},
        {"scheme symmetric",
         [](SettingsPanel& p) {
             p.schemeCombo()->setCurrentText(QStringLiteral("symmetric"));
         }},
        {"narrow range",
         [](SettingsPanel& p) {
             p.narrowRangeCheck()->setChecked(true);
         }},
        {"calibration mse",
         [](SettingsPanel& p) {
             p.calibrationCombo()->setCurrentText(QStringLiteral("mse"));
         }},
        {"calibration kl",
         [](SettingsPanel& p) {
             p.calibrationCombo()->setCurrentText(QStringLiteral("kl"));
         }},
        {"format uint8",
         [](SettingsPanel& p) {
             p.formatCombo()->setCurrentText(QStringLiteral("uint8"));
         }},
        {"calibration minmax",
         [](SettingsPanel& p) {
             p.calibrationCombo()->setCurrentText(QStringLiteral("minmax"));
         }},
        {"format fp8-e4m3",
         [](SettingsPanel& p) {
             p.formatCombo()->setCurrentText(QStringLiteral("fp8-e4m3"));
         }},
        {"fp mode unscaled",
         [](SettingsPanel& p) {
             p.fpModeCombo()->setCurrentText(QStringLiteral("unscaled"));
         }},
        {"format bf16",
         [](SettingsPanel& p) {
             p.formatCombo()->setCurrentText(QStringLiteral("bf16"));
         }},
        {"preset gguf-q4_0",
         [](SettingsPanel& p) {
             p.formatCombo()->setCurrentText(QStringLiteral("gguf-q4_0"));
         }},
        {"preset mxfp4",
         [](SettingsPanel& p) {
             p.formatCombo()->setCurrentText(QStringLiteral("mxfp4"));
         }},
    };
    QSignalSpy inspected(window_.tensorInspector(), &TensorInspector::inspectionReady);
    for (const Step& step : steps) {
        SCOPED_TRACE(step.what);
        ready.clear();
        inspected.clear();
        const QStringList before = window_.settingsPanel()->cliArguments();
        step.change(*window_.settingsPanel());
        const QStringList arguments = window_.settingsPanel()->cliArguments();
        ASSERT_NE(arguments, before) << "the step changed nothing";
        SCOPED_TRACE(arguments.join(QLatin1Char(' ')).toStdString());
        ASSERT_TRUE(ready.wait(kWaitMs));
        ASSERT_TRUE(errors_.isEmpty()) << errors_.join(QLatin1Char('\n')).toStdString();

        const nlohmann::json cli = runCli(arguments);
        ASSERT_TRUE(cli.is_object() && !cli.contains("failed")) << cli.dump();
        const nlohmann::json gui = reportJson(*window_.report());
        EXPECT_EQ(gui["config"], cli["config"]);
        EXPECT_EQ(gui["layers"], cli["layers"]);
        EXPECT_EQ(gui["skipped"], cli["skipped"]);
        EXPECT_EQ(gui["summary"], cli["summary"]);

        // The details panel's numbers for the selected tensor are the CLI's too.
        ASSERT_TRUE(!inspected.isEmpty() || inspected.wait(kWaitMs));
        const auto& inspection = window_.tensorInspector()->inspection();
        const QString details = window_.tensorInspector()->detailsLabel()->text();
        const std::string selectedName = "linear_77.w_0"; // tensor 11
        bool skipped = false;
        for (const nlohmann::json& entry : cli["skipped"])
            if (entry["name"] == selectedName) {
                // A tensor the settings do not apply to says why, in the CLI's words.
                skipped = true;
                EXPECT_FALSE(inspection.has_value());
                EXPECT_TRUE(
                    details.contains(QString::fromStdString(entry["reason"].get<std::string>())))
                    << details.toStdString();
            }
        if (skipped)
            continue;
        ASSERT_TRUE(inspection.has_value()) << details.toStdString();
        // Layers the settings skip are left out of the list: look the tensor up by name.
        nlohmann::json cliLayer;
        for (const nlohmann::json& layer : cli["layers"])
            if (layer["name"] == inspection->layer.name)
                cliLayer = layer;
        ASSERT_TRUE(cliLayer.is_object()) << inspection->layer.name << " is not in the report";
        EXPECT_EQ(cliLayer["sqnr_db"].get<double>(), inspection->layer.metrics.sqnrDb);
        EXPECT_EQ(cliLayer["mse"].get<double>(), inspection->layer.metrics.mse);
        EXPECT_EQ(cliLayer["max_abs_err"].get<double>(), inspection->layer.metrics.maxAbsErr);
        const QString sqnrText =
            QStringLiteral("SQNR ") + QString::number(cliLayer["sqnr_db"].get<double>(), 'g', 5);
        EXPECT_TRUE(details.contains(sqnrText)) << details.toStdString();
    }
}

} // namespace
} // namespace qs::ui
