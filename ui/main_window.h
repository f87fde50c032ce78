#pragma once
// The main window: the tensor table in the middle, docks for the settings, the model tree,
// the selected tensor and the per-layer chart; menus to open models and export reports.

#include "analysis/model_analyzer.h"

#include <QFont>
#include <QMainWindow>
#include <QPalette>
#include <functional>
#include <memory>
#include <optional>

class QAction;
class QCloseEvent;
class QDragEnterEvent;
class QDropEvent;
class QMenu;
class QComboBox;
class QDockWidget;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace qs::ui {

class AnalysisRunner;
class ComparePanel;
class ConventionsPanel;
class HighlightFrame;
class LessonPanel;
class PlanPanel;
class LayerErrorChart;
class ModelBrowser;
class SettingsPanel;
class TensorInspector;
class TensorTableModel;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    // Shows a problem to the user. The default is a modal QMessageBox::warning; tests install
    // one that records the message, since a dialog would block them.
    using ErrorReporter = std::function<void(const QString& title, const QString& message)>;

    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    void setErrorReporter(ErrorReporter reporter);

    // Opens `path` and starts analysing it. On bad input reports the error and keeps the
    // model shown before, returning false.
    bool openModel(const QString& path);

    // The parts tests drive and read.
    AnalysisRunner* analysisRunner() const { return runner_; }
    ComparePanel* comparePanel() const { return compare_; }
    PlanPanel* planPanel() const { return plan_; }
    ConventionsPanel* conventionsPanel() const { return conventions_; }
    QDockWidget* conventionsDock() const { return conventionsDock_; }
    QDockWidget* compareDock() const { return compareDock_; }
    TensorTableModel* tensorModel() const { return model_; }
    QSortFilterProxyModel* proxyModel() const { return proxy_; }
    QTableView* tableView() const { return table_; }
    SettingsPanel* settingsPanel() const { return settings_; }
    QComboBox* dtypeCombo() const;
    QComboBox* schemeCombo() const;
    QComboBox* granularityCombo() const;
    QComboBox* calibrationCombo() const;
    QLineEdit* filterEdit() const { return filter_; }
    QPushButton* cancelButton() const { return cancel_; }
    QLabel* summaryLabel() const { return summary_; }
    ModelBrowser* modelBrowser() const { return browser_; }
    TensorInspector* tensorInspector() const { return inspector_; }
    LayerErrorChart* layerChart() const { return layerChart_; }
    // Makes tensor `tensor` (its index in the file) the selection everywhere and shows it.
    void selectTensor(std::size_t tensor);
    const std::shared_ptr<const ModelReport>& report() const;

    // The most recently opened files, newest first (kept in QSettings across runs).
    QStringList recentFiles() const;
    static constexpr int kMaxRecentFiles = 8;
    // Puts every dock back where a fresh window has it, and shows them all.
    void resetLayout();
    // For a projector: fonts half as large again, a high-contrast palette (the charts
    // follow both), full screen. Off restores what was there before.
    void setPresentationMode(bool on);
    bool presentationMode() const { return presentation_.has_value(); }
    QAction* presentationAction() const { return presentationAction_; }

    // Runs step `step` of built-in lesson `lesson` (lessons()): opens the lesson tensors,
    // sets the controls, selects the step's tensor and frames the part to look at.
    void showLessonStep(std::size_t lesson, std::size_t step);
    void endLesson();
    LessonPanel* lessonPanel() const { return lessonPanel_; }
    QDockWidget* lessonDock() const { return lessonDock_; }
    HighlightFrame* highlightFrame() const { return highlight_; }

    enum class ExportFormat { Json, Csv, Html, Pdf };
    // Writes the current report in the CLI's JSON or CSV layout, or as the document of
    // `quantscope-cli report`; reports a failure (or that there is no report yet) and
    // returns false.
    bool exportReport(const QString& path, ExportFormat format);
    // The File menu's action for `format` (Html and Pdf share one).
    QAction* exportAction(ExportFormat format) const;

    // The configuration the settings dock shows; throws UsageError for a combination the
    // core refuses.
    QuantConfig currentConfig() const;

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

public Q_SLOTS:
    void showOpenDialog();
    // Re-runs the analysis of the open model under the current settings.
    void reanalyze();

private:
    QDockWidget* addDock(const QString& title, const QString& objectName, QWidget* widget,
                         Qt::DockWidgetArea area);
    void createMenus();
    void createStatusBar();
    void fitColumns();
    void setBusy(bool busy);
    void onAnalysisReady(std::shared_ptr<const ModelReport> report);
    void reportError(const QString& title, const QString& message);
    void showTensorInTable(std::size_t tensor);
    void showExportDialog(ExportFormat format);
    void rememberRecentFile(const QString& path);
    void fillRecentMenu();

    ErrorReporter errorReporter_;
    std::shared_ptr<const ModelFile> modelFile_;

    TensorTableModel* model_ = nullptr;
    QSortFilterProxyModel* proxy_ = nullptr;
    AnalysisRunner* runner_ = nullptr;
    QTableView* table_ = nullptr;
    QLineEdit* filter_ = nullptr;
    SettingsPanel* settings_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QPushButton* cancel_ = nullptr;
    QLabel* summary_ = nullptr;
    ModelBrowser* browser_ = nullptr;
    TensorInspector* inspector_ = nullptr;
    LayerErrorChart* layerChart_ = nullptr;
    QAction* exportJson_ = nullptr;
    QAction* exportCsv_ = nullptr;
    QAction* exportDocument_ = nullptr;
    ComparePanel* compare_ = nullptr;
    PlanPanel* plan_ = nullptr;
    ConventionsPanel* conventions_ = nullptr;
    LessonPanel* lessonPanel_ = nullptr;
    QDockWidget* lessonDock_ = nullptr;
    QDockWidget* inspectorDock_ = nullptr;
    HighlightFrame* highlight_ = nullptr;
    QDockWidget* conventionsDock_ = nullptr;
    QDockWidget* compareDock_ = nullptr;
    QMenu* recentMenu_ = nullptr;
    QAction* presentationAction_ = nullptr;
    struct SavedLook {
        QFont font;
        QPalette palette;
        Qt::WindowStates states;
    };
    std::optional<SavedLook> presentation_; // what presentation mode replaced
    QByteArray defaultState_;               // the docks as built, for Reset layout
    std::optional<std::size_t> currentTensor_;
};

} // namespace qs::ui
