// Every real model in ../shared/models opened in the window: the table lists its tensors,
// the analysis equals the core's, and the first weight matrix shows in the tensor dock
// with the report's numbers.

#include "analysis_runner.h"
#include "main_window.h"
#include "tensor_inspector.h"
#include "tensor_table_model.h"

#include <QSettings>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <gtest/gtest.h>

namespace qs::ui {
namespace {

constexpr int kWaitMs = 60000;

class SharedModelInWindow : public ::testing::TestWithParam<const char*> {};

TEST_P(SharedModelInWindow, OpensAnalysesAndInspects)
{
    const QString path = QStringLiteral(QS_SHARED_MODELS_DIR "/") + QLatin1String(GetParam());
    QSettings().clear();
    MainWindow window;
    QStringList errors;
    window.setErrorReporter([&](const QString&, const QString& message) { errors << message; });
    QSignalSpy ready(window.analysisRunner(), &AnalysisRunner::analysisReady);
    ASSERT_TRUE(window.openModel(path)) << errors.join(QLatin1Char('\n')).toStdString();
    ASSERT_TRUE(ready.wait(kWaitMs));
    EXPECT_TRUE(errors.isEmpty()) << errors.join(QLatin1Char('\n')).toStdString();

    const auto file = openModel(path.toStdString());
    EXPECT_EQ(window.proxyModel()->rowCount(), static_cast<int>(file->tensors().size()));
    const ModelReport expected = analyzeModel(*file, window.currentConfig());
    const ModelReport& shown = *window.report();
    ASSERT_EQ(shown.layers.size(), expected.layers.size());
    ASSERT_FALSE(shown.layers.empty());
    EXPECT_EQ(shown.summary.metrics.sqnrDb, expected.summary.metrics.sqnrDb);

    // The first tensor of rank 2 or more: a weight matrix or kernel.
    std::size_t weight = file->tensors().size();
    for (std::size_t i = 0; i < file->tensors().size() && weight == file->tensors().size(); ++i)
        if (file->tensors()[i].shape.size() >= 2 && isFloat(file->tensors()[i].dtype))
            weight = i;
    ASSERT_LT(weight, file->tensors().size());
    QSignalSpy inspected(window.tensorInspector(), &TensorInspector::inspectionReady);
    window.selectTensor(weight);
    ASSERT_TRUE(inspected.wait(kWaitMs));
    const auto& inspection = window.tensorInspector()->inspection();
    ASSERT_TRUE(inspection.has_value());
    const auto layer = std::find_if(shown.layers.begin(), shown.layers.end(), [&](const auto& l) {
        return l.name == file->tensors()[weight].name;
    });
    ASSERT_NE(layer, shown.layers.end());
    EXPECT_EQ(inspection->layer.metrics.sqnrDb, layer->metrics.sqnrDb);
    EXPECT_EQ(inspection->channels.size(),
              static_cast<std::size_t>(file->tensors()[weight].shape[0]));
}

INSTANTIATE_TEST_SUITE_P(
    EveryFile, SharedModelInWindow,
    ::testing::Values("ppocrv4_rec_svtr_neck.safetensors", "ppocrv4_rec_svtr_neck.f32.gguf",
                      "ppocrv4_rec_svtr_neck.f16.gguf", "ppocrv4_rec_svtr_neck.npz",
                      "ch_PP-OCRv4_rec_infer.onnx", "ch_ppocr_mobile_v2.0_cls_infer.onnx",
                      "silero_vad_op18_ifless.onnx"),
    [](const ::testing::TestParamInfo<const char*>& info) {
        std::string name = info.param;
        for (char& c : name)
            if (!std::isalnum(static_cast<unsigned char>(c)))
                c = '_';
        return name;
    });

} // namespace
} // namespace qs::ui
