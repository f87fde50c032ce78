#include "settings_panel.h"

#include "quant/quant_options.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QVBoxLayout>

namespace qs::ui {

namespace {
// Marks the format combo's entries that are presets (they fix scheme, granularity and
// calibration) rather than number formats.
constexpr int kIsPresetRole = Qt::UserRole;
constexpr int kKlIndex = 3; // in the calibration combo

QComboBox* makeCombo(const QStringList& items, const QString& toolTip)
{
    auto* combo = new QComboBox;
    combo->addItems(items);
    combo->setToolTip(toolTip);
    return combo;
}

QString optionValue(const QStringList& arguments, const QString& option)
{
    const qsizetype at = arguments.lastIndexOf(option);
    return at >= 0 && at + 1 < arguments.size() ? arguments[at + 1] : QString();
}

// Percentiles are shown with as many decimals as they need (99.99, not 99.9900).
QString percentileText(double value)
{
    return QString::number(value, 'g', 10);
}

class PercentileSpin : public QDoubleSpinBox {
public:
    QString textFromValue(double value) const override { return percentileText(value); }
};
} // namespace

SettingsPanel::SettingsPanel(QWidget* parent)
    : QWidget(parent)
{
    format_ = new QComboBox;
    format_->setToolTip(tr("Number format, or a block format preset"));
    // Every grid of the engine, signed then unsigned, from the widest in common use down.
    for (const char* sign : {"int", "uint"}) {
        for (int bits = 16; bits >= 2; --bits)
            format_->addItem(QString::fromLatin1(sign) + QString::number(bits));
        format_->insertSeparator(format_->count());
    }
    format_->setCurrentText(QStringLiteral("int8"));
    format_->setMaxVisibleItems(24);
    for (const char* name : {"fp16", "bf16", "fp8-e4m3", "fp8-e5m2", "fp4-e2m1"})
        format_->addItem(QString::fromLatin1(name));
    format_->insertSeparator(format_->count());
    for (const char* name : {"gguf-q8_0", "gguf-q4_0", "mxfp4", "mxfp8-e4m3"})
        format_->addItem(QString::fromLatin1(name), /*isPreset*/ true);

    scheme_ = makeCombo({QStringLiteral("symmetric"), QStringLiteral("asymmetric")},
                        tr("Symmetric: zero point 0, range ±amax. Asymmetric: the range "
                           "[min, max] with a zero point."));
    granularity_ = makeCombo(
        {QStringLiteral("tensor"), QStringLiteral("channel"), QStringLiteral("group")},
        tr("How many elements share one scale: the whole tensor, each slice along an axis, "
           "or each run of N elements along the last axis"));
    granularity_->setCurrentIndex(1);
    axis_ = new QSpinBox;
    axis_->setRange(0, 63);
    axis_->setToolTip(tr("The channel axis: 0 is the output channel of [out, in] weights"));
    groupSize_ = new QSpinBox;
    groupSize_->setRange(1, 1 << 20);
    groupSize_->setValue(128);
    groupSize_->setToolTip(tr("Elements per group, along the last axis"));
    calibration_ = makeCombo({QStringLiteral("minmax"), QStringLiteral("percentile"),
                              QStringLiteral("mse"), QStringLiteral("kl")},
                             tr("How each block's clipping range is chosen: its extremes, a "
                                "percentile of |x|, the least squared error, or the least "
                                "KL divergence (entropy)"));
    percentile_ = new PercentileSpin;
    percentile_->setDecimals(4);
    percentile_->setRange(50.0001, 100.0);
    percentile_->setSingleStep(0.01);
    percentile_->setValue(99.99);
    percentile_->setSuffix(QStringLiteral(" %"));
    percentile_->setToolTip(tr("The percentile of the values kept inside the range"));
    narrowRange_ = new QCheckBox(tr("Narrow range"));
    narrowRange_->setToolTip(tr("Leave out the most negative code (−127…127 for int8)"));
    fpMode_ = makeCombo({tr("auto"), QStringLiteral("scaled"), QStringLiteral("unscaled")},
                        tr("Floating-point formats: scaled to the block's range, or a plain "
                           "cast (auto: unscaled for fp16/bf16, scaled below)"));
    QStringList conventions;
    for (Convention convention : kAllConventions)
        conventions << QString::fromStdString(toString(convention));
    convention_ =
        makeCombo(conventions, tr("Whose integer arithmetic to follow: grid, scale rule, rounding "
                                  "ties, x / s or x \u00B7 (1/s), scale storage (spec \u00A78)"));
    command_ = new QLabel;
    command_->setWordWrap(true);
    command_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    command_->setToolTip(tr("The same settings for quantscope-cli"));
    command_->setStyleSheet(QStringLiteral("QLabel { font-family: monospace; }"));

    auto* granularityRow = new QHBoxLayout;
    granularityRow->addWidget(granularity_, 1);
    auto* axisLabel = new QLabel(tr("a&xis"));
    axisLabel->setBuddy(axis_);
    granularityRow->addWidget(axisLabel);
    granularityRow->addWidget(axis_);
    auto* groupLabel = new QLabel(tr("si&ze"));
    groupLabel->setBuddy(groupSize_);
    granularityRow->addWidget(groupLabel);
    granularityRow->addWidget(groupSize_);
    auto* calibrationRow = new QHBoxLayout;
    calibrationRow->addWidget(calibration_, 1);
    calibrationRow->addWidget(percentile_);

    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("&Format"), format_);
    form->addRow(tr("&Scheme"), scheme_);
    // Rows holding a layout get their label made here, so its mnemonic has a buddy.
    const auto labelFor = [](const QString& text, QWidget* buddy) {
        auto* label = new QLabel(text);
        label->setBuddy(buddy);
        return label;
    };
    form->addRow(labelFor(tr("&Granularity"), granularity_), granularityRow);
    form->addRow(labelFor(tr("&Calibration"), calibration_), calibrationRow);
    form->addRow(QString(), narrowRange_);
    form->addRow(tr("F&P mode"), fpMode_);
    form->addRow(tr("Con&vention"), convention_);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(command_);
    layout->addStretch(1);

    updateApplicableControls();
    // Connected last, so that building the controls above emits nothing.
    for (QComboBox* combo : {format_, scheme_, granularity_, calibration_, fpMode_, convention_})
        connect(combo, &QComboBox::currentIndexChanged, this, &SettingsPanel::emitChanged);
    connect(axis_, &QSpinBox::valueChanged, this, &SettingsPanel::emitChanged);
    connect(groupSize_, &QSpinBox::valueChanged, this, &SettingsPanel::emitChanged);
    connect(percentile_, &QDoubleSpinBox::valueChanged, this, &SettingsPanel::emitChanged);
    connect(narrowRange_, &QCheckBox::toggled, this, &SettingsPanel::emitChanged);
}

bool SettingsPanel::isPreset() const
{
    return format_->currentData(kIsPresetRole).toBool();
}

NumberFormat SettingsPanel::selectedFormat() const
{
    return parseNumberFormat(format_->currentText().toStdString());
}

QStringList SettingsPanel::cliArguments() const
{
    // Only what is enabled: the rules in updateApplicableControls are exactly the ones under
    // which the core would ignore or refuse the option.
    if (isPreset())
        return {QStringLiteral("--preset"), format_->currentText()};
    QStringList arguments{QStringLiteral("--dtype"), format_->currentText()};
    if (scheme_->isEnabled())
        arguments << QStringLiteral("--scheme") << scheme_->currentText();
    if (granularity_->isEnabled()) {
        QString granularity = granularity_->currentText();
        if (axis_->isEnabled())
            granularity += QLatin1Char(':') + QString::number(axis_->value());
        else if (groupSize_->isEnabled())
            granularity += QLatin1Char(':') + QString::number(groupSize_->value());
        arguments << QStringLiteral("--granularity") << granularity;
    }
    if (calibration_->isEnabled()) {
        QString calibration = calibration_->currentText();
        if (percentile_->isEnabled())
            calibration += QLatin1Char(':') + percentileText(percentile_->value());
        arguments << QStringLiteral("--calibration") << calibration;
    }
    if (narrowRange_->isEnabled() && narrowRange_->isChecked())
        arguments << QStringLiteral("--narrow-range");
    if (fpMode_->isEnabled() && fpMode_->currentIndex() > 0)
        arguments << QStringLiteral("--fp-mode") << fpMode_->currentText();
    if (convention_->currentIndex() > 0)
        arguments << QStringLiteral("--convention") << convention_->currentText();
    return arguments;
}

QuantConfig SettingsPanel::config() const
{
    std::vector<std::string> words;
    for (const QString& argument : cliArguments())
        words.push_back(argument.toStdString());
    return parseQuantizationOptions(words);
}

void SettingsPanel::setCliArguments(const QStringList& arguments)
{
    updating_ = true;
    const auto selectText = [](QComboBox* combo, const QString& text) {
        // Empty text would find a separator of the format combo.
        const int index = text.isEmpty() ? -1 : combo->findText(text);
        if (index >= 0)
            combo->setCurrentIndex(index);
    };
    const QString preset = optionValue(arguments, QStringLiteral("--preset"));
    selectText(format_,
               preset.isEmpty() ? optionValue(arguments, QStringLiteral("--dtype")) : preset);
    selectText(scheme_, optionValue(arguments, QStringLiteral("--scheme")));
    const QString granularity = optionValue(arguments, QStringLiteral("--granularity"));
    const QString kind = granularity.section(QLatin1Char(':'), 0, 0);
    selectText(granularity_, kind);
    bool isNumber = false;
    const int number = granularity.section(QLatin1Char(':'), 1).toInt(&isNumber);
    if (isNumber && kind == QLatin1String("channel"))
        axis_->setValue(number);
    else if (isNumber && kind == QLatin1String("group"))
        groupSize_->setValue(number);
    const QString calibration = optionValue(arguments, QStringLiteral("--calibration"));
    selectText(calibration_, calibration.section(QLatin1Char(':'), 0, 0));
    const double percentile = calibration.section(QLatin1Char(':'), 1).toDouble(&isNumber);
    if (isNumber)
        percentile_->setValue(percentile);
    narrowRange_->setChecked(arguments.contains(QStringLiteral("--narrow-range")));
    const QString fpMode = optionValue(arguments, QStringLiteral("--fp-mode"));
    fpMode_->setCurrentIndex(fpMode.isEmpty() ? 0 : std::max(0, fpMode_->findText(fpMode)));
    const QString convention = optionValue(arguments, QStringLiteral("--convention"));
    convention_->setCurrentIndex(
        convention.isEmpty() ? 0 : std::max(0, convention_->findText(convention)));
    updating_ = false;
    emitChanged();
}

void SettingsPanel::emitChanged()
{
    if (updating_)
        return;
    updateApplicableControls();
    Q_EMIT settingsChanged();
}

void SettingsPanel::updateApplicableControls()
{
    // A preset fixes format, scheme, granularity and calibration (see qs::applyPreset); a
    // float format is symmetric; an unscaled cast has no range to split or calibrate.
    // Disabling what does not apply spares the user most combinations the core refuses.
    const bool preset = isPreset();
    const NumberFormat format = preset ? NumberFormat{} : selectedFormat();
    const bool isFloat = !preset && format.kind == NumberFormat::Kind::Float;
    bool unscaled = false;
    if (isFloat) {
        QuantConfig probe;
        probe.format = format;
        if (fpMode_->currentIndex() > 0)
            probe.fpMode = parseFpMode(fpMode_->currentText().toStdString());
        unscaled = probe.effectiveFpMode() == FpMode::Unscaled;
    }
    scheme_->setEnabled(!preset && !isFloat);
    granularity_->setEnabled(!preset && !unscaled);
    axis_->setEnabled(granularity_->isEnabled() && granularity_->currentIndex() == 1);
    groupSize_->setEnabled(granularity_->isEnabled() && granularity_->currentIndex() == 2);
    calibration_->setEnabled(!preset && !unscaled);
    percentile_->setEnabled(calibration_->isEnabled() && calibration_->currentIndex() == 1);
    narrowRange_->setEnabled(!preset && !isFloat && format.isSigned);
    // Entropy calibration targets a symmetric integer histogram of at most 12 bits; the
    // entry stays visible (greyed) so the user learns it exists. Already chosen, the core's
    // refusal explains why.
    const bool klApplies = !isFloat && scheme_->currentIndex() == 0 && format.bits <= 12;
    if (auto* items = qobject_cast<QStandardItemModel*>(calibration_->model()))
        items->item(kKlIndex)->setEnabled(klApplies);
    fpMode_->setEnabled(isFloat);
    command_->setText(QStringLiteral("quantscope-cli analyze MODEL ") +
                      cliArguments().join(QLatin1Char(' ')));
}

} // namespace qs::ui
