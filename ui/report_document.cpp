#include "report_document.h"

#include "analysis/layer_ranking.h"
#include "analysis/storage_size.h"
#include "analysis/tensor_inspection.h"
#include "channel_range_chart.h"
#include "common/error.h"
#include "display_text.h"
#include "histogram_chart.h"
#include "layer_error_chart.h"
#include "quant/quant_options.h"

#include <QAbstractAxis>
#include <QChart>
#include <QCoreApplication>
#include <QDateTime>
#include <QFileInfo>
#include <QPainter>
#include <QPalette>
#include <QStringList>
#include <cmath>
#include <unordered_map>

namespace qs::ui {

namespace {
// Charts are drawn at this size in CSS pixels (an A4 page within its margins is 688 wide)
// and stored at twice the resolution, so that they stay sharp on paper and on high-density
// screens.
constexpr QSize kWideChart(680, 300);
constexpr QSize kHalfChart(334, 250);
constexpr qreal kImageScale = 2.0;

QString html(const std::string& text)
{
    return QString::fromStdString(text).toHtmlEscaped();
}

QString number(double value, int precision = 4)
{
    if (std::isnan(value))
        return QStringLiteral("\u2013");
    return QString::number(value, 'g', precision);
}

QString percent(double fraction)
{
    return QString::number(100.0 * fraction, 'f', fraction > 0 && fraction < 1e-3 ? 4 : 2) +
           QStringLiteral("\u202F%");
}

QString mebibytes(double bytes)
{
    return QString::number(bytes / (1024.0 * 1024.0), 'f', 2) + QStringLiteral(" MiB");
}

QString row(const QString& label, const QString& value)
{
    return QStringLiteral("<tr><th>%1</th><td>%2</td></tr>").arg(label, value);
}

// Black on white with the desktop's font family: what reads on paper.
QPalette paperPalette()
{
    QPalette palette;
    for (auto role : {QPalette::Window, QPalette::Base, QPalette::Button})
        palette.setColor(role, Qt::white);
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        palette.setColor(role, Qt::black);
    palette.setColor(QPalette::Mid, QColor(0x80, 0x80, 0x80));
    return palette;
}

class ImageCollector {
public:
    // Renders `view` as laid out at `size` and returns an <img> element referring to it.
    QString add(QChartView* view, QSize size, const QString& alt)
    {
        view->setPalette(paperPalette());
        // The chart laid out at `size` on its own, whether or not its view is in a layout.
        QChart* chart = view->chart();
        chart->setPos(0, 0);
        chart->resize(size);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        QImage image(size * kImageScale, QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::white);
        {
            QPainter painter(&image);
            painter.setRenderHint(QPainter::Antialiasing);
            painter.setRenderHint(QPainter::TextAntialiasing);
            // The scene drawn scaled rather than the widget grabbed: vector shapes and text
            // at twice the resolution, not an enlarged bitmap.
            view->scene()->render(&painter, QRectF(image.rect()), QRectF(QPointF(0, 0), size));
        }
        const QString name = QStringLiteral("chart-%1.png").arg(images_.size() + 1);
        images_.append({name, image});
        return QStringLiteral("<img src=\"%1\" width=\"%2\" height=\"%3\" alt=\"%4\">")
            .arg(name)
            .arg(size.width())
            .arg(size.height())
            .arg(alt.toHtmlEscaped());
    }
    QList<std::pair<QString, QImage>> take() { return std::move(images_); }

private:
    QList<std::pair<QString, QImage>> images_;
};

const char* kStyle = R"(
body { font-family: sans-serif; font-size: 10pt; color: #000; background: #fff; max-width: 688px; margin: 8px auto; }
h1 { font-size: 17pt; margin-bottom: 2pt; }
h2 { font-size: 13pt; margin-top: 14pt; border-bottom: 1px solid #888; }
h3 { font-size: 11pt; margin-top: 10pt; }
p.meta { color: #444; margin-top: 0; }
table { border-collapse: collapse; }
th, td { border: 1px solid #aaa; padding: 2px 5px; }
th { background: #eee; text-align: left; font-weight: bold; }
td.n { text-align: right; }
tr.worst td { background: #fde8e8; }
table.charts td { border: none; padding: 0 4px 0 0; }
table.layers { font-size: 8pt; }
code { font-family: monospace; }
.page { page-break-before: always; }
)";

QString configurationSection(const ModelReport& report)
{
    const QuantConfig& config = report.config;
    QString rows;
    if (config.preset != Preset::None)
        rows += row(QStringLiteral("Preset"), html(toString(config.preset)));
    rows += row(QStringLiteral("Number format"), html(toString(config.format)));
    rows += row(QStringLiteral("Scheme"), html(toString(config.scheme)));
    rows += row(QStringLiteral("Granularity"), html(toString(config.granularity)));
    rows += row(QStringLiteral("Calibration"), html(toString(config.calibration)));
    rows += row(QStringLiteral("Narrow range"),
                config.narrowRange ? QStringLiteral("yes") : QStringLiteral("no"));
    if (config.format.kind == NumberFormat::Kind::Float)
        rows += row(QStringLiteral("Float mode"), html(toString(config.effectiveFpMode())));
    rows += row(QStringLiteral("Convention"), html(toString(config.convention)));
    QStringList words{QStringLiteral("quantscope-cli"), QStringLiteral("analyze"),
                      QFileInfo(QString::fromStdString(report.path)).fileName()};
    for (const auto& word : quantizationWords(config))
        words << QString::fromStdString(word);
    rows +=
        row(QStringLiteral("Same analysis"),
            QStringLiteral("<code>%1</code>").arg(words.join(QLatin1Char(' ')).toHtmlEscaped()));
    return QStringLiteral("<h2>Configuration</h2><table>%1</table>").arg(rows);
}

QString summarySection(const ModelReport& report)
{
    const StorageSize size = modelStorage(report);
    const ErrorMetrics& m = report.summary.metrics;
    std::uint64_t nonfinite = 0;
    for (const auto& layer : report.layers)
        nonfinite += layer.nonfinite;
    const double bitsAfter = size.bitsAfter;
    QString rows;
    rows += row(QStringLiteral("Tensors analysed"), QStringLiteral("%1 of %2 (%3 skipped)")
                                                        .arg(report.layers.size())
                                                        .arg(report.tensorCount)
                                                        .arg(report.skipped.size()));
    rows += row(QStringLiteral("Parameters analysed"),
                QLocale().toString(qulonglong(report.summary.parameters)));
    rows += row(QStringLiteral("Size as stored (analysed tensors)"), mebibytes(size.bytesBefore));
    rows += row(QStringLiteral("Size quantized"),
                QStringLiteral("%1 (%2\u00D7 smaller), scales included")
                    .arg(mebibytes(bitsAfter / 8.0))
                    .arg(bitsAfter > 0 ? size.bytesBefore * 8.0 / bitsAfter : 0.0, 0, 'f', 2));
    rows += row(QStringLiteral("Bits per weight"),
                QString::number(size.bitsPerWeight(report.summary.parameters), 'f', 3));
    rows += row(QStringLiteral("Whole-model SQNR"), decibelText(m.sqnrDb) + QStringLiteral(" dB"));
    rows += row(QStringLiteral("MSE / max |error|"),
                number(m.mse) + QStringLiteral(" / ") + number(m.maxAbsErr));
    rows += row(QStringLiteral("Cosine similarity"), QString::number(m.cosine, 'f', 6));
    rows += row(QStringLiteral("Clipped elements"), percent(m.clippedFrac));
    rows += row(QStringLiteral("NaN / Inf weights"), QLocale().toString(qulonglong(nonfinite)));
    if (report.summary.output)
        rows += row(QStringLiteral("INT8 GEMM output SQNR"),
                    decibelText(report.summary.output->sqnrDb) +
                        QStringLiteral(" dB over %1 layers").arg(report.summary.outputLayers));
    return QStringLiteral("<h2>Summary</h2><table>%1</table>").arg(rows);
}

QString layerTable(const ModelReport& report, const std::vector<std::size_t>& worst)
{
    std::vector<bool> isWorst(report.layers.size(), false);
    for (std::size_t i : worst)
        isWorst[i] = true;
    QString rows;
    for (std::size_t i = 0; i < report.layers.size(); ++i) {
        const LayerReport& layer = report.layers[i];
        const StorageSize size = layerStorage(layer, report.config);
        rows +=
            QStringLiteral("<tr%1><td>%2</td><td>%3</td><td>%4</td><td class=\"n\">%5</td>"
                           "<td class=\"n\">%6</td><td class=\"n\">%7</td>"
                           "<td class=\"n\">%8</td><td class=\"n\">%9</td>"
                           "<td class=\"n\">%10</td></tr>")
                .arg(isWorst[i] ? QStringLiteral(" class=\"worst\"") : QString(), html(layer.name),
                     shapeText(layer.shape), QString::fromUtf8(dtypeName(layer.dtype)),
                     QString::number(size.bitsPerWeight(layer.numel), 'f', 2),
                     decibelText(layer.metrics.sqnrDb), number(layer.metrics.mse, 3),
                     number(layer.metrics.maxAbsErr, 3), percent(layer.metrics.clippedFrac),
                     QString::number(layer.nonfinite));
    }
    return QStringLiteral(
               "<h2 class=\"page\">Every layer</h2><p class=\"meta\">In file order; the worst "
               "layers shaded.</p><table class=\"layers\" width=\"100%\"><thead><tr>"
               "<th width=\"31%\">Tensor</th><th width=\"12%\">Shape</th>"
               "<th width=\"6%\">Type</th><th width=\"6%\">Bits/w</th>"
               "<th width=\"9%\">SQNR dB</th><th width=\"11%\">MSE</th>"
               "<th width=\"11%\">Max |err|</th><th width=\"9%\">Clipped</th>"
               "<th width=\"5%\">NaN/Inf</th></tr></thead>%1</table>")
        .arg(rows);
}

QString skippedSection(const ModelReport& report)
{
    if (report.skipped.empty())
        return {};
    QString items;
    for (const auto& skipped : report.skipped)
        items += QStringLiteral("<li><code>%1</code>: %2</li>")
                     .arg(html(skipped.name), html(skipped.reason));
    return QStringLiteral("<h2>Not analysed</h2><ul>%1</ul>").arg(items);
}

std::unordered_map<std::string, std::size_t> tensorIndices(const ModelFile& model)
{
    std::unordered_map<std::string, std::size_t> indices;
    const auto& tensors = model.tensors();
    for (std::size_t i = 0; i < tensors.size(); ++i)
        indices.emplace(tensors[i].name, i);
    return indices;
}

// On paper each layer starts a page (its charts fill most of one).
QString worstLayerSection(const ModelFile& model, const LayerReport& layer, std::size_t tensor,
                          const QuantConfig& config, bool newPage, ImageCollector& images)
{
    const TensorInspection inspection = inspectTensor(model, tensor, config);
    HistogramChart values(QStringLiteral("Weights, clipping range and grid"),
                          QStringLiteral("weight value"));
    values.setData(inspection.values, CountScale::Log, inspection.overlay);
    HistogramChart errors(QStringLiteral("Error (dequantized \u2212 original)"),
                          QStringLiteral("error"));
    errors.setData(inspection.errors, CountScale::Log);
    const QString name = html(layer.name);
    const QString plainName = QString::fromStdString(layer.name);
    QString section =
        QStringLiteral("<h3%10>%1</h3><p class=\"meta\">%2 \u00B7 %3 \u00B7 SQNR %4 dB \u00B7 "
                       "max |error| %5 \u00B7 clipped %6 \u00B7 clip range [%7, %8]%9</p>")
            .arg(name, shapeText(layer.shape), QString::fromUtf8(dtypeName(layer.dtype)),
                 decibelText(layer.metrics.sqnrDb), number(layer.metrics.maxAbsErr),
                 percent(layer.metrics.clippedFrac), number(inspection.overlay.clipLo),
                 number(inspection.overlay.clipHi),
                 inspection.blocks > 1
                     ? QStringLiteral(" (envelope of %1 blocks)").arg(inspection.blocks)
                     : QString(),
                 newPage ? QStringLiteral(" class=\"page\"") : QString());
    section += QStringLiteral("<table class=\"charts\"><tr><td>%1</td><td>%2</td></tr></table>")
                   .arg(images.add(&values, kHalfChart, plainName + QStringLiteral(" weights")),
                        images.add(&errors, kHalfChart, plainName + QStringLiteral(" error")));
    if (!inspection.channels.empty()) {
        ChannelRangeChart channels;
        channels.setChannels(inspection.channels);
        section += QStringLiteral("<p>%1</p>")
                       .arg(images.add(&channels, kWideChart,
                                       plainName + QStringLiteral(" channel ranges")));
    }
    return section;
}
} // namespace

ReportDocument buildReportDocument(const ModelFile& model, const ModelReport& report,
                                   const ReportOptions& options)
{
    ReportDocument document;
    const QString fileName = QFileInfo(QString::fromStdString(report.path)).fileName();
    document.title = QStringLiteral("Quantization report: %1").arg(fileName);
    ImageCollector images;

    QString body = QStringLiteral("<h1>%1</h1><p class=\"meta\">%2 \u00B7 %3 \u00B7 %4 tensors "
                                  "\u00B7 written by QuantScope on %5</p>")
                       .arg(document.title.toHtmlEscaped(), html(report.path), html(report.format),
                            QString::number(report.tensorCount),
                            QDateTime::currentDateTime().toString(Qt::ISODate));
    body += configurationSection(report);
    body += summarySection(report);

    if (!report.layers.empty()) {
        LayerErrorChart layers;
        layers.setReport(std::make_shared<const ModelReport>(report), model.tensors());
        QChart* chart = layers.chartView()->chart();
        chart->setTitle(QStringLiteral("SQNR per tensor, in file order (worst tenth in red)"));
        // Paper cannot be hovered, and the table below names every bar in the same order.
        for (QAbstractAxis* axis : chart->axes(Qt::Horizontal)) {
            axis->setLabelsVisible(false);
            axis->setTitleVisible(false);
        }
        body +=
            QStringLiteral("<h2>Error per layer</h2><p>%1</p>")
                .arg(images.add(layers.chartView(), kWideChart, QStringLiteral("SQNR per tensor")));
    }

    const auto worst = worstLayers(report, options.worstLayers);
    if (!worst.empty()) {
        body += QStringLiteral("<h2 class=\"page\">The %1 worst layers</h2><p class=\"meta\">"
                               "Lowest SQNR first. Histograms on a log count axis; the red "
                               "lines are the clipping range, the ticks the quantization grid "
                               "(one block's, when the tensor is one block).</p>")
                    .arg(worst.size());
        const auto indices = tensorIndices(model);
        for (std::size_t done = 0; done < worst.size(); ++done) {
            if (options.progress && !options.progress(done, worst.size()))
                throw CancelledError();
            const LayerReport& layer = report.layers[worst[done]];
            const auto found = indices.find(layer.name);
            if (found != indices.end())
                body +=
                    worstLayerSection(model, layer, found->second, report.config, done > 0, images);
        }
    }
    body += layerTable(report, worst);
    body += skippedSection(report);

    document.html =
        QStringLiteral("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
                       "<title>%1</title><style>%2</style></head><body>%3</body></html>")
            .arg(document.title.toHtmlEscaped(), QString::fromLatin1(kStyle), body);
    document.images = images.take();
    return document;
}

} // namespace qs::ui
