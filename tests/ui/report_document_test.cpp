// The HTML/PDF report: every section there with the report's own numbers, the charts drawn
// (not blank), the HTML self-contained, the PDF paginated, failures reported.
#include "analysis/layer_ranking.h"
#include "analysis/storage_size.h"
#include "common/error.h"
#include "display_text.h"
#include "report_document.h"
#include "report_writer.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <gtest/gtest.h>

namespace qs::ui {
namespace {

const std::string kModel = QS_SHARED_MODELS_DIR "/ppocrv4_rec_svtr_neck.safetensors";

// Share of pixels that are not white: a drawn chart has axes, text and a filled series.
double inkFraction(const QImage& image)
{
    const QImage rgb = image.convertToFormat(QImage::Format_RGB32);
    std::size_t ink = 0;
    for (int y = 0; y < rgb.height(); ++y)
        for (int x = 0; x < rgb.width(); ++x)
            ink += rgb.pixel(x, y) != qRgb(255, 255, 255);
    return double(ink) / double(rgb.width() * rgb.height());
}

class ReportDocumentTest : public ::testing::Test {
protected:
    ReportDocumentTest()
        : model_(openModel(kModel))
    {
        QuantConfig config;
        config.format = parseNumberFormat("int4");
        report_ = analyzeModel(*model_, config);
    }
    std::unique_ptr<ModelFile> model_;
    ModelReport report_;
};

TEST_F(ReportDocumentTest, HasEverySectionWithTheReportsNumbers)
{
    ReportOptions options;
    options.worstLayers = 3;
    const ReportDocument document = buildReportDocument(*model_, report_, options);
    const QString& html = document.html;
    EXPECT_TRUE(
        html.contains(QStringLiteral("Quantization report: ppocrv4_rec_svtr_neck.safetensors")));
    EXPECT_TRUE(html.contains(QStringLiteral(
        "<code>quantscope-cli analyze ppocrv4_rec_svtr_neck.safetensors --dtype int4</code>")));

    const StorageSize size = modelStorage(report_);
    const QString bits = QString::number(size.bitsPerWeight(report_.summary.parameters), 'f', 3);
    EXPECT_TRUE(html.contains(QStringLiteral("<th>Bits per weight</th><td>") + bits));
    EXPECT_TRUE(html.contains(QStringLiteral("<th>Whole-model SQNR</th><td>") +
                              decibelText(report_.summary.metrics.sqnrDb) + QStringLiteral(" dB")));

    // The worst layers in order, each with its heading; every layer in the table.
    const auto worst = worstLayers(report_, 3);
    qsizetype previous = -1;
    for (std::size_t index : worst) {
        const qsizetype at = html.indexOf(
            QStringLiteral(">%1</h3>").arg(QString::fromStdString(report_.layers[index].name)));
        ASSERT_GE(at, 0) << report_.layers[index].name;
        EXPECT_GT(at, previous);
        previous = at;
    }
    for (const auto& layer : report_.layers) {
        const QString cell = QStringLiteral("<td>%1</td>").arg(QString::fromStdString(layer.name));
        EXPECT_TRUE(html.contains(cell)) << layer.name;
    }
    EXPECT_EQ(html.count(QStringLiteral("<tr class=\"worst\">")), 3);

    // The per-layer chart, then per worst layer its two histograms and its channel ranges
    // (every layer of this model is a matrix); each drawn at twice its size, with ink.
    ASSERT_EQ(document.images.size(), 1 + 3 * 3);
    for (const auto& [name, image] : document.images) {
        EXPECT_TRUE(html.contains(QStringLiteral("src=\"%1\"").arg(name))) << name.toStdString();
        EXPECT_GE(image.width(), 2 * 334) << name.toStdString();
        const double ink = inkFraction(image);
        EXPECT_GT(ink, 0.03) << name.toStdString();
        EXPECT_LT(ink, 0.9) << name.toStdString();
    }
}

TEST_F(ReportDocumentTest, HtmlCarriesItsImagesInline)
{
    ReportOptions options;
    options.worstLayers = 1;
    const ReportDocument document = buildReportDocument(*model_, report_, options);
    const QString html = selfContainedHtml(document);
    EXPECT_FALSE(html.contains(QStringLiteral("src=\"chart-")));
    static const QRegularExpression inlineImage(
        QStringLiteral("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\""));
    int found = 0;
    for (auto match = inlineImage.globalMatch(html); match.hasNext(); ++found) {
        const QByteArray png = QByteArray::fromBase64(match.next().captured(1).toLatin1());
        const QImage image = QImage::fromData(png, "PNG");
        ASSERT_FALSE(image.isNull());
        EXPECT_EQ(image.size(), document.images[found].second.size());
    }
    EXPECT_EQ(found, document.images.size());

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("report.html"));
    writeReport(document, path, ReportFormat::Html);
    QFile file(path);
    ASSERT_TRUE(file.open(QIODevice::ReadOnly));
    EXPECT_EQ(QString::fromUtf8(file.readAll()), html);
}

TEST_F(ReportDocumentTest, PdfIsPaginatedA4)
{
    const ReportDocument document = buildReportDocument(*model_, report_);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("report.pdf"));
    writeReport(document, path, ReportFormat::Pdf);
    QFile file(path);
    ASSERT_TRUE(file.open(QIODevice::ReadOnly));
    const QByteArray pdf = file.readAll();
    EXPECT_TRUE(pdf.startsWith("%PDF-"));
    EXPECT_TRUE(pdf.trimmed().endsWith("%%EOF"));
    // Page objects (not the /Pages tree): the summary, the worst layers from a new page,
    // and the table from another.
    static const QRegularExpression page(QStringLiteral("/Type\\s*/Page[^s]"));
    EXPECT_GE(QString::fromLatin1(pdf).count(page), 3);
    EXPECT_TRUE(pdf.contains("/MediaBox [0 0 595.000000 842.000000]")) << "A4 in points";
    // Kept for a look (pdftoppm) beside the GUI screenshots.
    QDir().mkpath(QStringLiteral(QS_SCREENSHOT_DIR));
    QFile::remove(QStringLiteral(QS_SCREENSHOT_DIR "/report.pdf"));
    QFile::copy(path, QStringLiteral(QS_SCREENSHOT_DIR "/report.pdf"));
}

TEST_F(ReportDocumentTest, UnwritablePlaceIsAnInputErrorNamingIt)
{
    ReportOptions options;
    options.worstLayers = 0;
    const ReportDocument document = buildReportDocument(*model_, report_, options);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("no/such/folder/report.pdf"));
    try {
        writeReport(document, path, ReportFormat::Pdf);
        FAIL() << "no error";
    } catch (const InputError& error) {
        EXPECT_EQ(error.file(), path.toStdString());
    }
    EXPECT_FALSE(QFile::exists(path));
}

TEST_F(ReportDocumentTest, ProgressCanStopTheBuild)
{
    ReportOptions options;
    std::size_t calls = 0;
    options.progress = [&](std::size_t done, std::size_t total) {
        EXPECT_EQ(total, options.worstLayers);
        EXPECT_EQ(done, calls);
        return ++calls < 2;
    };
    EXPECT_THROW(buildReportDocument(*model_, report_, options), CancelledError);
    EXPECT_EQ(calls, 2u);
}

TEST(ReportFormat, ChosenByTheSuffix)
{
    EXPECT_EQ(reportFormatFor(QStringLiteral("a/b.html")), ReportFormat::Html);
    EXPECT_EQ(reportFormatFor(QStringLiteral("b.HTM")), ReportFormat::Html);
    EXPECT_EQ(reportFormatFor(QStringLiteral("b.Pdf")), ReportFormat::Pdf);
    EXPECT_EQ(reportFormatFor(QStringLiteral("b.pdf.txt")), std::nullopt);
    EXPECT_EQ(reportFormatFor(QStringLiteral("pdf")), std::nullopt);
}

} // namespace
} // namespace qs::ui
