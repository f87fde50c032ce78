#include "report_writer.h"

#include "common/error.h"

#include <QAbstractTextDocumentLayout>
#include <QBuffer>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <QTextDocument>
#include <QUrl>

namespace qs::ui {

namespace {
constexpr int kPdfDpi = 300;
constexpr qreal kCssDpi = 96;

[[noreturn]] void cannotWrite(const QString& path, const QString& why)
{
    throw InputError(path.toStdString(), std::nullopt, "cannot write report: " + why.toStdString());
}

QByteArray pngBytes(const QImage& image)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return bytes;
}

// QTextDocument::print() would add 2 cm margins of its own and lay the text out narrower
// than the charts; the pages are drawn here instead, each with a footer.
QByteArray pdfBytes(const ReportDocument& document)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QPdfWriter writer(&buffer);
    writer.setTitle(document.title);
    writer.setCreator(QStringLiteral("QuantScope"));
    writer.setResolution(kPdfDpi);
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize::A4), QPageLayout::Portrait,
                                     QMarginsF(14, 12, 14, 12), QPageLayout::Millimeter));

    QTextDocument text;
    text.setDocumentMargin(0); // the page layout has the margins
    for (const auto& [name, image] : document.images)
        text.addResource(QTextDocument::ImageResource, QUrl(name), image);
    text.setHtml(document.html);
    // Laid out in CSS pixels (96 per inch), drawn scaled to the writer's resolution.
    const qreal scale = qreal(kPdfDpi) / kCssDpi;
    const QSizeF page(writer.width() / scale, writer.height() / scale);
    constexpr qreal kFooterHeight = 22;
    text.setPageSize(QSizeF(page.width(), page.height() - kFooterHeight));
    const qreal bodyHeight = page.height() - kFooterHeight;

    QPainter painter(&writer);
    painter.scale(scale, scale);
    QFont footerFont = text.defaultFont();
    footerFont.setPixelSize(10); // CSS pixels, as the text
    const int pages = text.pageCount();
    for (int index = 0; index < pages; ++index) {
        if (index > 0)
            writer.newPage();
        painter.save();
        const QRectF visible(0, index * bodyHeight, page.width(), bodyHeight);
        painter.translate(0, -visible.top());
        painter.setClipRect(visible);
        QAbstractTextDocumentLayout::PaintContext context;
        context.clip = visible;
        context.palette.setColor(QPalette::Text, Qt::black);
        text.documentLayout()->draw(&painter, context);
        painter.restore();
        painter.setFont(footerFont);
        painter.setPen(QColor(0x55, 0x55, 0x55));
        const QRectF footer(0, page.height() - kFooterHeight + 6, page.width(), kFooterHeight - 6);
        painter.drawText(footer, Qt::AlignLeft | Qt::AlignBottom, document.title);
        painter.drawText(footer, Qt::AlignRight | Qt::AlignBottom,
                         QStringLiteral("%1 / %2").arg(index + 1).arg(pages));
    }
    painter.end();
    return bytes;
}
} // namespace

std::optional<ReportFormat> reportFormatFor(const QString& path)
{
    const QString lower = path.toLower();
    if (lower.endsWith(QLatin1String(".html")) || lower.endsWith(QLatin1String(".htm")))
        return ReportFormat::Html;
    if (lower.endsWith(QLatin1String(".pdf")))
        return ReportFormat::Pdf;
    return std::nullopt;
}

QString selfContainedHtml(const ReportDocument& document)
{
    QString html = document.html;
    for (const auto& [name, image] : document.images) {
        const QString inline_ = QStringLiteral("data:image/png;base64,") +
                                QString::fromLatin1(pngBytes(image).toBase64());
        html.replace(QStringLiteral("src=\"%1\"").arg(name),
                     QStringLiteral("src=\"%1\"").arg(inline_));
    }
    return html;
}

void writeReport(const ReportDocument& document, const QString& path, ReportFormat format)
{
    const QByteArray bytes =
        format == ReportFormat::Html ? selfContainedHtml(document).toUtf8() : pdfBytes(document);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        cannotWrite(path, file.errorString());
    if (file.write(bytes) != bytes.size() || !file.commit())
        cannotWrite(path, file.errorString());
}

} // namespace qs::ui
