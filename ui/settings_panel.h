#pragma once
// The quantization settings dock: every choice of the engine, spelled as the CLI spells it.
// The panel's state *is* a list of `analyze` options (cliArguments), and config() parses
// that list with the core's own parsers, so a setting seen here and the same words typed
// at the CLI cannot mean different things.

#include "quant/quant_config.h"

#include <QStringList>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSpinBox;

namespace qs::ui {

class SettingsPanel : public QWidget {
    Q_OBJECT

public:
    explicit SettingsPanel(QWidget* parent = nullptr);

    // The options `quantscope-cli analyze` takes for these settings, e.g. {"--dtype", "int4",
    // "--granularity", "group:128", …}. Disabled controls contribute nothing.
    QStringList cliArguments() const;
    // Parses cliArguments() as the CLI does; throws UsageError for a combination the core
    // refuses, naming the option.
    QuantConfig config() const;
    // Shows `arguments` (as cliArguments gives them) in the controls; unknown or malformed
    // words are ignored, so stale saved settings never stop the application from starting.
    void setCliArguments(const QStringList& arguments);

    QComboBox* formatCombo() const { return format_; }
    QComboBox* schemeCombo() const { return scheme_; }
    QComboBox* granularityCombo() const { return granularity_; }
    QSpinBox* axisSpin() const { return axis_; }
    QSpinBox* groupSizeSpin() const { return groupSize_; }
    QComboBox* calibrationCombo() const { return calibration_; }
    QDoubleSpinBox* percentileSpin() const { return percentile_; }
    QCheckBox* narrowRangeCheck() const { return narrowRange_; }
    QComboBox* fpModeCombo() const { return fpMode_; }
    QComboBox* conventionCombo() const { return convention_; }

Q_SIGNALS:
    // Any control changed (once per user action, after the enabling rules are applied).
    void settingsChanged();

private:
    bool isPreset() const;
    NumberFormat selectedFormat() const;
    void updateApplicableControls();
    void emitChanged();

    QComboBox* format_ = nullptr;
    QComboBox* scheme_ = nullptr;
    QComboBox* granularity_ = nullptr;
    QSpinBox* axis_ = nullptr;
    QSpinBox* groupSize_ = nullptr;
    QComboBox* calibration_ = nullptr;
    QDoubleSpinBox* percentile_ = nullptr;
    QCheckBox* narrowRange_ = nullptr;
    QComboBox* fpMode_ = nullptr;
    QComboBox* convention_ = nullptr;
    QLabel* command_ = nullptr; // the equivalent CLI command, selectable for copying
    bool updating_ = false;     // set while setCliArguments fills the controls
};

} // namespace qs::ui
