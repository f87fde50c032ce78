// The settings dock on its own: each control becomes the CLI option that means it, controls
// that do not apply are disabled and left out, and saved arguments come back.

#include "common/error.h"
#include "quant/quant_options.h"
#include "settings_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardItemModel>
#include <gtest/gtest.h>

namespace qs::ui {
namespace {

QStringList words(const char* text)
{
    return QString::fromLatin1(text).split(QLatin1Char(' '), Qt::SkipEmptyParts);
}

std::vector<std::string> stdWords(const QStringList& list)
{
    std::vector<std::string> out;
    for (const QString& word : list)
        out.push_back(word.toStdString());
    return out;
}

// The panel's config and the CLI parser's reading of the panel's words are one config.
void expectSameConfig(const SettingsPanel& panel)
{
    const QuantConfig shown = panel.config();
    const QuantConfig parsed = parseQuantizationOptions(stdWords(panel.cliArguments()));
    EXPECT_EQ(toString(shown.format), toString(parsed.format));
    EXPECT_EQ(shown.preset, parsed.preset);
    EXPECT_EQ(shown.scheme, parsed.scheme);
    EXPECT_EQ(toString(shown.granularity), toString(parsed.granularity));
    EXPECT_EQ(toString(shown.calibration), toString(parsed.calibration));
    EXPECT_EQ(shown.narrowRange, parsed.narrowRange);
    EXPECT_EQ(shown.fpMode, parsed.fpMode);
    EXPECT_EQ(shown.convention, parsed.convention);
}

TEST(SettingsPanel, StartsAtTheCliDefaults)
{
    SettingsPanel panel;
    EXPECT_EQ(
        panel.cliArguments(),
        words("--dtype int8 --scheme symmetric --granularity channel:0 --calibration minmax"));
    const QuantConfig config = panel.config();
    EXPECT_EQ(config.format.bits, 8);
    EXPECT_EQ(config.granularity.kind, Granularity::Kind::Channel);
    EXPECT_TRUE(panel.axisSpin()->isEnabled());
    EXPECT_FALSE(panel.groupSizeSpin()->isEnabled());
    EXPECT_FALSE(panel.percentileSpin()->isEnabled());
    EXPECT_FALSE(panel.fpModeCombo()->isEnabled());
}

TEST(SettingsPanel, OffersEveryFormatAndPresetOfTheEngine)
{
    SettingsPanel panel;
    QStringList expected;
    for (int bits = 2; bits <= 16; ++bits)
        expected << QStringLiteral("int%1").arg(bits) << QStringLiteral("uint%1").arg(bits);
    expected << QStringLiteral("fp16") << QStringLiteral("bf16") << QStringLiteral("fp8-e4m3")
             << QStringLiteral("fp8-e5m2") << QStringLiteral("fp4-e2m1")
             << QStringLiteral("gguf-q8_0") << QStringLiteral("gguf-q4_0")
             << QStringLiteral("mxfp4") << QStringLiteral("mxfp8-e4m3");
    for (const QString& name : expected) {
        SCOPED_TRACE(name.toStdString());
        ASSERT_GE(panel.formatCombo()->findText(name), 0);
        panel.formatCombo()->setCurrentText(name);
        EXPECT_NO_THROW(panel.config()); // each alone is a valid configuration
    }
}

TEST(SettingsPanel, EveryControlBecomesItsCliOption)
{
    SettingsPanel panel;
    QSignalSpy changed(&panel, &SettingsPanel::settingsChanged);

    panel.formatCombo()->setCurrentText(QStringLiteral("int4"));
    panel.schemeCombo()->setCurrentText(QStringLiteral("asymmetric"));
    panel.granularityCombo()->setCurrentText(QStringLiteral("group"));
    EXPECT_FALSE(panel.axisSpin()->isEnabled());
    ASSERT_TRUE(panel.groupSizeSpin()->isEnabled());
    panel.groupSizeSpin()->setValue(64);
    panel.calibrationCombo()->setCurrentText(QStringLiteral("percentile"));
    ASSERT_TRUE(panel.percentileSpin()->isEnabled());
    panel.percentileSpin()->setValue(99.9);
    panel.conventionCombo()->setCurrentText(QStringLiteral("pytorch"));
    EXPECT_EQ(panel.cliArguments(), words("--dtype int4 --scheme asymmetric --granularity group:64 "
                                          "--calibration percentile:99.9 --convention pytorch"));
    expectSameConfig(panel);
    EXPECT_EQ(panel.config().granularity.groupSize, 64);
    EXPECT_DOUBLE_EQ(panel.config().calibration.percentile, 99.9);

    panel.granularityCombo()->setCurrentText(QStringLiteral("channel"));
    panel.axisSpin()->setValue(1);
    panel.schemeCombo()->setCurrentText(QStringLiteral("symmetric"));
    panel.narrowRangeCheck()->setChecked(true);
    panel.calibrationCombo()->setCurrentText(QStringLiteral("mse"));
    EXPECT_EQ(panel.cliArguments(), words("--dtype int4 --scheme symmetric --granularity channel:1 "
                                          "--calibration mse --narrow-range --convention pytorch"));
    expectSameConfig(panel);
    EXPECT_TRUE(panel.config().narrowRange);
    EXPECT_EQ(changed.size(), 12); // one signal per change
}

TEST(SettingsPanel, ControlsThatDoNotApplyAreDisabledAndLeftOut)
{
    SettingsPanel panel;
    panel.narrowRangeCheck()->setChecked(true);
    // Unsigned grids have no narrow range.
    panel.formatCombo()->setCurrentText(QStringLiteral("uint8"));
    EXPECT_FALSE(panel.narrowRangeCheck()->isEnabled());
    EXPECT_FALSE(panel.cliArguments().contains(QStringLiteral("--narrow-range")));
    expectSameConfig(panel);

    // Floating point: symmetric, with a mode; fp16's default (unscaled) has no range.
    panel.formatCombo()->setCurrentText(QStringLiteral("fp16"));
    EXPECT_FALSE(panel.schemeCombo()->isEnabled());
    EXPECT_TRUE(panel.fpModeCombo()->isEnabled());
    EXPECT_FALSE(panel.granularityCombo()->isEnabled());
    EXPECT_FALSE(panel.calibrationCombo()->isEnabled());
    EXPECT_EQ(panel.cliArguments(), words("--dtype fp16"));
    panel.fpModeCombo()->setCurrentText(QStringLiteral("scaled"));
    EXPECT_TRUE(panel.granularityCombo()->isEnabled());
    EXPECT_TRUE(panel.calibrationCombo()->isEnabled());
    EXPECT_EQ(panel.cliArguments(), words("--dtype fp16 --granularity channel:0 "
                                          "--calibration minmax --fp-mode scaled"));
    expectSameConfig(panel);
    EXPECT_EQ(panel.config().effectiveFpMode(), FpMode::Scaled);

    // A preset fixes everything but the convention.
    panel.formatCombo()->setCurrentText(QStringLiteral("gguf-q4_0"));
    for (QWidget* control : std::initializer_list<QWidget*>{
             panel.schemeCombo(), panel.granularityCombo(), panel.axisSpin(), panel.groupSizeSpin(),
             panel.calibrationCombo(), panel.narrowRangeCheck(), panel.fpModeCombo()})
        EXPECT_FALSE(control->isEnabled()) << control->metaObject()->className();
    EXPECT_TRUE(panel.conventionCombo()->isEnabled());
    EXPECT_EQ(panel.cliArguments(), words("--preset gguf-q4_0"));
    EXPECT_EQ(panel.config().preset, Preset::GgufQ4_0);
}

bool klOffered(const SettingsPanel& panel)
{
    const auto* items = qobject_cast<const QStandardItemModel*>(panel.calibrationCombo()->model());
    return items && items->item(3)->text() == QLatin1String("kl") && items->item(3)->isEnabled();
}

TEST(SettingsPanel, EntropyCalibrationIsOfferedOnlyWhereItApplies)
{
    SettingsPanel panel;
    EXPECT_TRUE(klOffered(panel));
    panel.schemeCombo()->setCurrentText(QStringLiteral("asymmetric"));
    EXPECT_FALSE(klOffered(panel));
    panel.schemeCombo()->setCurrentText(QStringLiteral("symmetric"));
    panel.formatCombo()->setCurrentText(QStringLiteral("int16"));
    EXPECT_FALSE(klOffered(panel));
    panel.formatCombo()->setCurrentText(QStringLiteral("fp8-e4m3"));
    EXPECT_FALSE(klOffered(panel));
    panel.formatCombo()->setCurrentText(QStringLiteral("int4"));
    EXPECT_TRUE(klOffered(panel));
}

TEST(SettingsPanel, CombinationsTheCoreRefusesThrowNamingTheOption)
{
    SettingsPanel panel;
    // Chosen first, then made inapplicable: the combination is refused, not silently changed.
    panel.calibrationCombo()->setCurrentText(QStringLiteral("kl"));
    panel.schemeCombo()->setCurrentText(QStringLiteral("asymmetric"));
    try {
        panel.config();
        FAIL() << "kl with asymmetric was accepted";
    } catch (const UsageError& error) {
        EXPECT_NE(std::string(error.what()).find("--calibration kl"), std::string::npos)
            << error.what();
    }
}

TEST(SettingsPanel, SavedArgumentsComeBackAndStaleOnesAreIgnored)
{
    SettingsPanel source;
    source.formatCombo()->setCurrentText(QStringLiteral("int6"));
    source.granularityCombo()->setCurrentText(QStringLiteral("group"));
    source.groupSizeSpin()->setValue(32);
    source.calibrationCombo()->setCurrentText(QStringLiteral("percentile"));
    source.percentileSpin()->setValue(99.5);
    source.narrowRangeCheck()->setChecked(true);

    SettingsPanel restored;
    QSignalSpy changed(&restored, &SettingsPanel::settingsChanged);
    restored.setCliArguments(source.cliArguments());
    EXPECT_EQ(restored.cliArguments(), source.cliArguments());
    EXPECT_EQ(changed.size(), 1); // one change for the whole set

    SettingsPanel stale;
    stale.setCliArguments(words("--dtype int99 --granularity rows:3 --calibration bogus "
                                "--fp-mode sideways --something else"));
    EXPECT_EQ(stale.cliArguments(), SettingsPanel().cliArguments());
}

} // namespace
} // namespace qs::ui
