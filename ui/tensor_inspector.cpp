#include "tensor_inspector.h"

#include "common/error.h"
#include "display_text.h"
#include "histogram_chart.h"

#include <QCheckBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QtConcurrent/QtConcurrentRun>
#include <cmath>

namespace qs::ui {

namespace {
QString number(double value, int precision = 4)
{
    if (std::isinf(value))
        return value > 0 ? QStringLiteral("\u221E") : QStringLiteral("-\u221E");
    return QString::number(value, 'g', precision);
}
} // namespace

TensorInspector::TensorInspector(QWidget* parent)
    : QWidget(parent)
{
    title_ = new QLabel(tr("Select a tensor in the model browser or the table"));
    QFont bold = title_->font();
    bold.setBold(true);
    title_->setFont(bold);
    details_ = new QLabel;
    details_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    details_->setWordWrap(true);
    logCount_ = new QCheckBox(tr("Log count"));
    logCount_->setToolTip(tr("Heights as log\u2081\u2080(1 + count): shows the sparse tails"));
    logCount_->setChecked(true);
    bins_ = new QSpinBox;
    bins_->setRange(16, 2048);
    bins_->setValue(256);
    bins_->setSuffix(tr(" bins"));
    bins_->setToolTip(tr("Number of histogram bins"));
    values_ =
        new HistogramChart(tr("Weights, with the clipping range and grid"), tr("weight value"));
    errors_ =
        new HistogramChart(tr("Quantization error (dequantized \u2212 original)"), tr("error"));

    auto* controls = new QHBoxLayout;
    controls->addWidget(title_, 1);
    controls->addWidget(logCount_);
    controls->addWidget(bins_);
    auto* charts = new QHBoxLayout;
    charts->addWidget(values_, 3);
    charts->addWidget(errors_, 2);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(controls);
    layout->addLayout(charts, 1);
    layout->addWidget(details_);

    connect(logCount_, &QCheckBox::toggled, this, &TensorInspector::redraw);
    connect(bins_, &QSpinBox::valueChanged, this, &TensorInspector::restart);
    connect(&watcher_, &QFutureWatcher<Outcome>::finished, this, &TensorInspector::onFinished);
}

TensorInspector::~TensorInspector()
{
    watcher_.disconnect(this);
    watcher_.waitForFinished(); // the worker reads the model this object keeps alive
}

void TensorInspector::inspect(std::shared_ptr<const ModelFile> model, std::size_t index,
                              const QuantConfig& config)
{
    model_ = std::move(model);
    index_ = index;
    config_ = config;
    restart();
}

void TensorInspector::clear()
{
    model_.reset();
    inspection_.reset();
    values_->clear();
    errors_->clear();
    title_->setText(tr("Select a tensor in the model browser or the table"));
    details_->clear();
}

void TensorInspector::restart()
{
    if (!model_)
        return;
    const TensorInfo& info = model_->tensors().at(index_);
    title_->setText(tr("%1  [%2]  %3")
                        .arg(QString::fromStdString(info.name), shapeText(info.shape),
                             QString::fromStdString(storedTypeName(info))));
    details_->setText(tr("Computing\u2026"));
    InspectOptions options;
    options.bins = static_cast<std::size_t>(bins_->value());
    // setFuture() detaches the watcher from the previous request: its result is never seen.
    watcher_.setFuture(
        QtConcurrent::run([model = model_, index = index_, config = config_, options]() -> Outcome {
            try {
                return {inspectTensor(*model, index, config, options), {}};
            } catch (const std::exception& error) {
                return {std::nullopt, QString::fromStdString(error.what())};
            }
        }));
}

void TensorInspector::onFinished()
{
    const Outcome outcome = watcher_.result();
    inspection_ = outcome.inspection;
    if (!inspection_) {
        values_->clear();
        errors_->clear();
        details_->setText(tr("Not analysed: %1").arg(outcome.error));
    }
    redraw();
    Q_EMIT inspectionReady();
}

void TensorInspector::redraw()
{
    if (!inspection_)
        return;
    const TensorInspection& in = *inspection_;
    const CountScale scale = logCount_->isChecked() ? CountScale::Log : CountScale::Linear;
    values_->setData(in.values, scale, in.overlay);
    errors_->setData(in.errors, scale);

    const ErrorMetrics& m = in.layer.metrics;
    QStringList lines;
    QString scales;
    if (in.block)
        scales =
            tr("scale %1, zero point %2").arg(number(in.block->scale, 6)).arg(in.block->zeroPoint);
    else
        scales = tr("%1 blocks, scales %2 \u2026 %3")
                     .arg(in.blocks)
                     .arg(number(in.layer.scaleMin, 6), number(in.layer.scaleMax, 6));
    lines << tr("%1; clipping range [%2, %3]%4")
                 .arg(scales, number(in.overlay.clipLo, 6), number(in.overlay.clipHi, 6),
                      in.blocks > 1 ? tr(" (all blocks)") : QString());
    lines << tr("SQNR %1 dB \u00B7 MSE %2 \u00B7 max |e| %3 \u00B7 mean e %4 \u00B7 cosine %5 "
                "\u00B7 rel. Frobenius %6 \u00B7 clipped %7 %")
                 .arg(number(m.sqnrDb, 5), number(m.mse), number(m.maxAbsErr), number(m.meanErr),
                      QString::number(m.cosine, 'f', 6), number(m.relFro),
                      number(100.0 * m.clippedFrac, 3));
    if (in.layer.nonfinite)
        lines << tr("%1 NaN/Inf values left out").arg(static_cast<qulonglong>(in.layer.nonfinite));
    if (in.layer.casts)
        lines << tr("overflow %1 \u00B7 underflow %2")
                     .arg(static_cast<qulonglong>(in.layer.casts->overflow))
                     .arg(static_cast<qulonglong>(in.layer.casts->underflow));
    details_->setText(lines.join(QLatin1Char('\n')));
}

} // namespace qs::ui
