// The Conventions dock: its rows are the core's comparison of the selected tensor under
// every framework's arithmetic, it follows the window's convention, and it waits while
// hidden.
#include "analysed_window.h"
#include "analysis/float_values.h"
#include "conventions_panel.h"
#include "main_window.h"
#include "settings_panel.h"

#include <QComboBox>
#include <QDockWidget>
#include <QLabel>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTest>
#include <gtest/gtest.h>

namespace qs::ui {
namespace {

const QString kModel = QStringLiteral(QS_SHARED_MODELS_DIR "/ch_ppocr_mobile_v2.0_cls_infer.onnx");

std::vector<ConventionOutcome> expectedFor(const std::string& path, std::size_t index,
                                           const QuantConfig& config)
{
    const auto file = openModel(path);
    std::vector<ConventionOutcome> outcomes;
    withFloatValues(*file, index, [&](std::span<const float> values) {
        outcomes = compareConventions(values, file->tensors()[index].shape, config);
    });
    return outcomes;
}

std::size_t largestTensor(const ModelFile& file)
{
    std::size_t best = 0;
    for (std::size_t i = 0; i < file.tensors().size(); ++i)
        if (file.tensors()[i].numel > file.tensors()[best].numel)
            best = i;
    return best;
}

TEST(ConventionsPanelInWindow, ShowsTheCoresComparisonAndFollowsTheChosenConvention)
{
    test::AnalysedWindow analysed;
    ASSERT_TRUE(analysed.open(kModel));
    MainWindow& window = analysed.window;
    window.resize(1500, 950);
    window.show();
    ConventionsPanel* panel = window.conventionsPanel();
    const auto file = openModel(kModel.toStdString());
    const std::size_t tensor = largestTensor(*file);

    // Hidden behind another tab: selecting a tensor computes nothing.
    window.selectTensor(tensor);
    EXPECT_TRUE(panel->outcomes().empty());

    QSignalSpy shown(panel, &ConventionsPanel::comparisonShown);
    window.conventionsDock()->raise();
    ASSERT_TRUE(shown.wait(30000));
    const auto expected = expectedFor(kModel.toStdString(), tensor, window.currentConfig());
    ASSERT_EQ(panel->outcomes().size(), expected.size());
    ASSERT_EQ(panel->table()->rowCount(), int(expected.size()));
    for (std::size_t row = 0; row < expected.size(); ++row) {
        EXPECT_EQ(panel->outcomes()[row].differing, expected[row].differing) << row;
        EXPECT_EQ(panel->table()->item(int(row), ConventionsPanel::Differing)->text(),
                  QString::number(expected[row].differing));
    }
    EXPECT_TRUE(
        panel->table()->item(0, ConventionsPanel::Name)->text().contains(QStringLiteral("chosen")));
    EXPECT_GT(expected[1].differing, 0u) << "PyTorch's 127.5 divisor moves codes";

    // The window switches to TFLite: that row becomes the reference and differs nowhere.
    shown.clear();
    QComboBox* convention = window.settingsPanel()->conventionCombo();
    convention->setCurrentIndex(convention->findText(QStringLiteral("tflite")));
    ASSERT_TRUE(shown.wait(30000));
    const int tflite = 3;
    EXPECT_EQ(panel->outcomes()[tflite].differing, 0u);
    EXPECT_TRUE(panel->table()
                    ->item(tflite, ConventionsPanel::Name)
                    ->text()
                    .contains(QStringLiteral("chosen")));
    const auto againstTflite = expectedFor(kModel.toStdString(), tensor, window.currentConfig());
    EXPECT_EQ(panel->outcomes()[0].differing, againstTflite[0].differing);
    EXPECT_TRUE(analysed.errors.isEmpty()) << analysed.errors.join(QLatin1Char('\n')).toStdString();
    EXPECT_TRUE(window.grab().save(QStringLiteral(QS_SCREENSHOT_DIR "/conventions.png")));

    // Another model opened while a comparison runs: the old rows go, and stay gone.
    window.selectTensor(0);
    ASSERT_TRUE(
        window.openModel(QStringLiteral(QS_SHARED_MODELS_DIR "/silero_vad_op18_ifless.onnx")));
    EXPECT_EQ(panel->table()->rowCount(), 0);
    QTest::qWait(500);
    EXPECT_EQ(panel->table()->rowCount(), 0);
    EXPECT_TRUE(panel->outcomes().empty());
}

TEST(ConventionsPanelInWindow, AFloatFormatSaysWhyThereIsNothingToCompare)
{
    test::AnalysedWindow analysed;
    ASSERT_TRUE(analysed.open(kModel));
    MainWindow& window = analysed.window;
    window.show();
    ConventionsPanel* panel = window.conventionsPanel();
    window.conventionsDock()->raise();
    window.selectTensor(largestTensor(*openModel(kModel.toStdString())));
    QComboBox* dtype = window.dtypeCombo();
    QSignalSpy ready(window.analysisRunner(), &AnalysisRunner::analysisReady);
    dtype->setCurrentIndex(dtype->findText(QStringLiteral("fp8-e4m3")));
    ASSERT_TRUE(ready.wait(60000));
    for (int waited = 0;
         waited < 300 && !panel->heading()->text().contains(QStringLiteral("integer")); ++waited)
        QTest::qWait(100);
    EXPECT_TRUE(panel->heading()->text().contains(QStringLiteral("integer")))
        << panel->heading()->text().toStdString();
    EXPECT_EQ(panel->table()->rowCount(), 0);
}

} // namespace
} // namespace qs::ui
