#include "walkthrough_view.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <climits>
#include <cmath>

namespace qs::ui {

namespace {
QString n(double value)
{
    return QString::number(value, 'g', 7);
}

// "[3, 54]": where a row-major element index lies in the shape.
QString position(std::uint64_t element, const Shape& shape)
{
    QStringList parts;
    for (auto d = shape.size(); d-- > 0;) {
        const auto extent = static_cast<std::uint64_t>(std::max<std::int64_t>(shape[d], 1));
        parts.prepend(QString::number(element % extent));
        element /= extent;
    }
    return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
}

// GGUF Q8_0 / Q4_0 and OCP MX, as ggml and the MX spec compute them (spec §7).
QStringList describePreset(const PresetElementSteps& p)
{
    const auto tr = [](const char* text) {
        return WalkthroughView::tr(text);
    };
    QStringList lines;
    switch (p.preset) {
    case Preset::GgufQ8_0:
        lines << tr("2. Its block of 32: amax = %1, so d = amax / 127 = %2 (float32), "
                    "1/d = %3")
                     .arg(n(p.extreme), n(p.d), n(p.inverse));
        lines << tr("3. d is stored as fp16: %1").arg(n(p.storedScale));
        lines << tr("4. x \u00B7 (1/d) = %1, rounded half away from zero (roundf): q = %2")
                     .arg(n(p.scaled))
                     .arg(p.code);
        lines << tr("5. Dequantized with the stored d: x\u0302 = %1 \u00B7 %2 = %3")
                     .arg(n(p.storedScale))
                     .arg(p.code)
                     .arg(n(p.restored));
        break;
    case Preset::GgufQ4_0:
        lines << tr("2. Its block of 32: the value of largest magnitude m = %1 (with its "
                    "sign), so d = m / \u22128 = %2 and 1/d = %3")
                     .arg(n(p.extreme), n(p.d), n(p.inverse));
        lines << tr("3. d is stored as fp16: %1").arg(n(p.storedScale));
        lines << tr("4. x \u00B7 (1/d) + 8.5 = %1, truncated: %2")
                     .arg(n(p.scaled + 8.5f))
                     .arg(n(p.rounded));
        lines << (p.clamped ? tr("5. Capped at 15: the stored nibble is %1 (8 means zero)")
                            : tr("5. The stored nibble is %1 (8 means zero)"))
                     .arg(p.code);
        lines << tr("6. Dequantized: x\u0302 = (%1 \u2212 8) \u00B7 %2 = %3")
                     .arg(p.code)
                     .arg(n(p.storedScale), n(p.restored));
        break;
    default:
        lines << tr("2. Its block of 32: amax = %1; the shared E8M0 scale is 2^%2 = %3 "
                    "(floor(log\u2082 amax) minus the element format's largest exponent)")
                     .arg(n(p.extreme))
                     .arg(p.sharedExponent)
                     .arg(n(p.storedScale));
        lines << tr("3. x / scale = %1").arg(n(p.scaled));
        lines << (p.clamped ? tr("4. Beyond the element format: saturated to %1")
                            : tr("4. Rounded to the nearest element value: %1"))
                     .arg(n(p.rounded));
        lines << tr("5. Dequantized: x\u0302 = %1 \u00B7 %2 = %3")
                     .arg(n(p.storedScale), n(p.rounded), n(p.restored));
        break;
    }
    return lines;
}

QString describe(const ElementSteps& s)
{
    const auto tr = [](const char* text) {
        return WalkthroughView::tr(text);
    };
    QStringList lines;
    lines << tr("1. The weight: x = %1").arg(n(s.x));
    if (s.nonfinite) {
        lines << tr("2. Not a finite number: passed through, and left out of every metric.");
        return lines.join(QStringLiteral("<br>"));
    }
    const BlockRecord& b = s.block;
    if (s.path == ElementSteps::Path::Preset)
        return (lines + describePreset(s.preset)).join(QStringLiteral("<br>")) +
               QStringLiteral("<br>") +
               WalkthroughView::tr("<b>Error: e = x\u0302 \u2212 x = %1</b>").arg(n(s.error));
    if (s.path == ElementSteps::Path::Float) {
        lines << tr("2. Its block's scale s = %1 (clipping range [%2, %3])")
                     .arg(n(b.scale), n(b.clip.lo), n(b.clip.hi));
        lines << tr("3. x / s = %1").arg(n(s.divided));
        QString cast = tr("4. Rounded to the nearest value of the format: %1").arg(n(s.cast));
        if (s.overflow)
            cast += tr(" (beyond its largest value: saturated)");
        if (s.underflow)
            cast += tr(" (too small for it: became zero)");
        lines << cast;
        lines << tr("5. Dequantized: x\u0302 = s \u00B7 %1 = %2").arg(n(s.cast), n(s.restored));
    } else {
        lines << tr("2. Its block's scale s = %1, zero point z = %2 (clipping range [%3, %4])")
                     .arg(n(b.scale))
                     .arg(b.zeroPoint)
                     .arg(n(b.clip.lo), n(b.clip.hi));
        if (s.divides)
            lines << tr("3. x / s = %1 (this convention divides; it does not multiply by 1/s)")
                         .arg(n(s.scaled));
        else if (b.inverse)
            lines << tr("3. This convention's factor %1 (not 1/s = %2); x \u00B7 %1 = %3")
                         .arg(n(s.inverseScale), n(1.0 / b.scale), n(s.scaled));
        else
            lines << tr("3. 1/s = %1, computed once in float32; x \u00B7 (1/s) = %2")
                         .arg(n(s.inverseScale), n(s.scaled));
        const bool away = s.ties == TieRule::AwayFromZero;
        lines << (s.tie ? (away ? tr("4. Exactly halfway between two integers: rounding half "
                                     "away from zero gives %1")
                                : tr("4. Exactly halfway between two integers: rounding half "
                                     "to even gives %1"))
                        : tr("4. Rounded to the nearest integer: %1"))
                     .arg(n(s.rounded));
        lines << tr("5. Plus the zero point: %1 + %2 = %3")
                     .arg(n(s.rounded))
                     .arg(b.zeroPoint)
                     .arg(n(s.code));
        lines << (s.clampedCode != s.code
                      ? tr("6. Outside the grid [%1, %2]: clamped to q = %3 \u2014 this weight "
                           "is clipped")
                      : tr("6. Inside the grid [%1, %2]: q = %3"))
                     .arg(s.qmin)
                     .arg(s.qmax)
                     .arg(n(s.clampedCode));
        if (s.dequantizeDivides)
            lines << tr("7. Dequantized by dividing by the factor: x\u0302 = (q \u2212 z) / %1 = "
                        "(%2 \u2212 %3) / %1 = %4")
                         .arg(n(s.inverseScale), n(s.clampedCode))
                         .arg(b.zeroPoint)
                         .arg(n(s.restored));
        else
            lines << tr("7. Dequantized: x\u0302 = s \u00B7 (q \u2212 z) = %1 \u00B7 (%2 "
                        "\u2212 %3) = %4")
                         .arg(n(b.scale), n(s.clampedCode))
                         .arg(b.zeroPoint)
                         .arg(n(s.restored));
    }
    lines << tr("<b>Error: e = x\u0302 \u2212 x = %1</b>%2")
                 .arg(n(s.error))
                 .arg(s.path == ElementSteps::Path::Integer && s.clampedCode == s.code
                          ? tr(" (|e| \u2264 s/2 = %1, as for every weight inside the range)")
                                .arg(n(s.block.scale / 2))
                          : QString());
    return lines.join(QStringLiteral("<br>"));
}
} // namespace

WalkthroughView::WalkthroughView(QWidget* parent)
    : QWidget(parent)
{
    element_ = new QSpinBox;
    element_->setRange(0, 0);
    element_->setToolTip(tr("The weight's index in row-major order"));
    position_ = new QLabel;
    steps_ = new QLabel(tr("Click in the weight histogram, or choose an element, to follow one "
                           "weight through quantization."));
    steps_->setWordWrap(true);
    steps_->setTextFormat(Qt::RichText);
    steps_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    steps_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    auto* controls = new QHBoxLayout;
    auto* label = new QLabel(tr("&Element"));
    label->setBuddy(element_);
    controls->addWidget(label);
    controls->addWidget(element_);
    controls->addWidget(position_, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addWidget(steps_, 1);

    connect(element_, &QSpinBox::valueChanged, this,
            [this](int value) { start(static_cast<std::uint64_t>(value), std::nullopt); });
    connect(&watcher_, &QFutureWatcher<Outcome>::finished, this, &WalkthroughView::onFinished);
}

WalkthroughView::~WalkthroughView()
{
    latest_->store(++generation_);
    watcher_.disconnect(this);
    watcher_.waitForFinished(); // the worker reads the model this object keeps alive
}

void WalkthroughView::setTarget(std::shared_ptr<const ModelFile> model, std::size_t index,
                                const QuantConfig& config, std::optional<ClipRange> clip)
{
    const bool sameTensor = model == model_ && index == index_;
    model_ = std::move(model);
    index_ = index;
    config_ = config;
    clip_ = clip;
    const TensorInfo& info = model_->tensors().at(index_);
    element_->blockSignals(true);
    element_->setRange(0, static_cast<int>(std::min<std::uint64_t>(info.numel, INT_MAX) - 1));
    if (!sameTensor)
        element_->setValue(0);
    element_->blockSignals(false);
    start(static_cast<std::uint64_t>(element_->value()), std::nullopt);
}

void WalkthroughView::clear()
{
    model_.reset();
    latest_->store(++generation_);
    pending_.reset();
    shown_.reset();
    position_->clear();
    steps_->clear();
}

void WalkthroughView::pickValue(double value)
{
    start(std::nullopt, value);
}

void WalkthroughView::start(std::optional<std::uint64_t> element, std::optional<double> value)
{
    if (!model_)
        return;
    const Request request{++generation_, element, value};
    latest_->store(generation_); // a job under way is stale now: it stops
    if (watcher_.isRunning()) {
        pending_ = request;
        return;
    }
    run(request);
}

void WalkthroughView::run(const Request& request)
{
    watcher_.setFuture(QtConcurrent::run([model = model_, index = index_, config = config_,
                                          clip = clip_, latest = latest_, request]() -> Outcome {
        Outcome outcome{request.generation, request.element.value_or(0), std::nullopt, {}};
        const auto keepGoing = [&] {
            return latest->load() == request.generation;
        };
        try {
            if (request.value)
                outcome.element = nearestElement(*model, index, *request.value);
            outcome.steps =
                explainTensorElement(*model, index, config, outcome.element, clip, keepGoing);
        } catch (const std::exception& error) {
            outcome.error = QString::fromStdString(error.what());
        }
        return outcome;
    }));
}

void WalkthroughView::onFinished()
{
    const Outcome outcome = watcher_.result();
    if (pending_ && model_) {
        const Request next = *pending_;
        pending_.reset();
        run(next);
    }
    showOutcome(outcome);
}

void WalkthroughView::showOutcome(const Outcome& outcome)
{
    if (outcome.generation != generation_ || !model_)
        return; // another weight, tensor or setting was asked for since
    element_->blockSignals(true);
    element_->setValue(static_cast<int>(outcome.element));
    element_->blockSignals(false);
    position_->setText(
        tr("at %1 of [%2]").arg(position(outcome.element, model_->tensors().at(index_).shape), [&] {
            QStringList dims;
            for (std::int64_t d : model_->tensors().at(index_).shape)
                dims << QString::number(d);
            return dims.join(QStringLiteral(", "));
        }()));
    shown_ = outcome.steps;
    steps_->setText(outcome.steps ? describe(*outcome.steps)
                                  : tr("No walk-through: %1").arg(outcome.error.toHtmlEscaped()));
    Q_EMIT stepsReady();
}

} // namespace qs::ui
