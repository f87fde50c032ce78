#include "main_window.h"

#include "analysis_runner.h"
#include "bits_sweep_view.h"
#include "channel_range_chart.h"
#include "chart_full_screen.h"
#include "common/error.h"
#include "compare_panel.h"
#include "conventions_panel.h"
#include "highlight_frame.h"
#include "histogram_chart.h"
#include "layer_error_chart.h"
#include "lesson_panel.h"
#include "lessons.h"
#include "model_browser.h"
#include "plan_panel.h"
#include "report/csv_report.h"
#include "report/json_report.h"
#include "report_export.h"
#include "settings_panel.h"
#include "tensor_inspector.h"
#include "tensor_table_model.h"

#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>
#include <cmath>
#include <sstream>

namespace qs::ui {

namespace {
QString decibels(double value)
{
    return std::isinf(value) ? QStringLiteral("\u221E") : QString::number(value, 'f', 2);
}
} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
    , model_(new TensorTableModel(this))
    , proxy_(new QSortFilterProxyModel(this))
    , runner_(new AnalysisRunner(this))
{
    setWindowTitle(tr("QuantScope"));

    proxy_->setSourceModel(model_);
    proxy_->setSortRole(TensorTableModel::SortRole);
    proxy_->setFilterKeyColumn(TensorTableModel::NameColumn);
    proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);

    table_ = new QTableView;
    table_->setModel(proxy_);
    table_->setAlternatingRowColors(true);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setWordWrap(false);
    table_->verticalHeader()->hide();
    // Compact rows: a table of numbers is read by scanning many of them at once.
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 8);
    table_->horizontalHeader()->setStretchLastSection(true);
    // File order until the user clicks a header; a third click returns to it.
    table_->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    table_->horizontalHeader()->setSortIndicatorClearable(true);
    table_->setSortingEnabled(true);
    filter_ = new QLineEdit;
    filter_->setPlaceholderText(tr("Filter the table"));
    filter_->setClearButtonEnabled(true);
    connect(filter_, &QLineEdit::textChanged, proxy_, &QSortFilterProxyModel::setFilterFixedString);
    auto* central = new QWidget;
    auto* centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(0, 0, 0, 0);
    centralLayout->setSpacing(2);
    centralLayout->addWidget(filter_);
    centralLayout->addWidget(table_);
    setCentralWidget(central);

    settings_ = new SettingsPanel;
    QDockWidget* settingsDock = addDock(tr("Quantization"), QStringLiteral("settingsDock"),
                                        settings_, Qt::RightDockWidgetArea);
    // The last settings come back; the changes are saved as they are made.
    settings_->setCliArguments(
        QSettings().value(QStringLiteral("quantization/arguments")).toStringList());
    connect(settings_, &SettingsPanel::settingsChanged, this, [this] {
        QSettings().setValue(QStringLiteral("quantization/arguments"), settings_->cliArguments());
        reanalyze();
    });

    browser_ = new ModelBrowser;
    QDockWidget* browserDock =
        addDock(tr("Model"), QStringLiteral("modelBrowserDock"), browser_, Qt::LeftDockWidgetArea);
    resizeDocks({browserDock, settingsDock}, {520, 360}, Qt::Horizontal);
    connect(browser_, &ModelBrowser::tensorSelected, this, &MainWindow::selectTensor);

    inspector_ = new TensorInspector;
    QDockWidget* inspectorDock =
        addDock(tr("Tensor"), QStringLiteral("tensorDock"), inspector_, Qt::BottomDockWidgetArea);
    inspectorDock_ = inspectorDock;
    resizeDocks({inspectorDock}, {380}, Qt::Vertical);
    layerChart_ = new LayerErrorChart;
    QDockWidget* layersDock =
        addDock(tr("Layers"), QStringLiteral("layersDock"), layerChart_, Qt::BottomDockWidgetArea);
    tabifyDockWidget(inspectorDock, layersDock);
    inspectorDock->raise();
    connect(layerChart_, &LayerErrorChart::tensorSelected, this, &MainWindow::selectTensor);

    // A/B: closed until asked for (View > Compare), and idle while closed.
    compare_ = new ComparePanel;
    compareDock_ = addDock(tr("Compare (A/B)"), QStringLiteral("compareDock"), compare_,
                           Qt::BottomDockWidgetArea);
    tabifyDockWidget(layersDock, compareDock_);
    compareDock_->hide();
    inspectorDock->raise();
    connect(compare_, &ComparePanel::tensorSelected, this, &MainWindow::selectTensor);

    plan_ = new PlanPanel;
    QDockWidget* planDock =
        addDock(tr("Formats & Plan"), QStringLiteral("planDock"), plan_, Qt::BottomDockWidgetArea);
    tabifyDockWidget(layersDock, planDock);
    inspectorDock->raise();
    connect(plan_, &PlanPanel::tensorSelected, this, &MainWindow::selectTensor);

    conventions_ = new ConventionsPanel;
    conventionsDock_ = addDock(tr("Conventions"), QStringLiteral("conventionsDock"), conventions_,
                               Qt::BottomDockWidgetArea);
    tabifyDockWidget(layersDock, conventionsDock_);
    inspectorDock->raise();

    // Lessons: closed until Help > Lessons, under the settings.
    lessonPanel_ = new LessonPanel;
    lessonDock_ = addDock(tr("Lessons"), QStringLiteral("lessonsDock"), lessonPanel_,
                          Qt::RightDockWidgetArea);
    lessonDock_->hide();
    highlight_ = new HighlightFrame(this);
    connect(lessonPanel_, &LessonPanel::stepRequested, this, &MainWindow::showLessonStep);
    connect(lessonPanel_, &LessonPanel::lessonEnded, this, &MainWindow::endLesson);

    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                if (current.isValid())
                    selectTensor(static_cast<std::size_t>(proxy_->mapToSource(current).row()));
            });

    createMenus();
    createStatusBar();

    connect(runner_, &AnalysisRunner::started, this, [this] { setBusy(true); });
    connect(runner_, &AnalysisRunner::progressChanged, progress_, &QProgressBar::setValue);
    connect(runner_, &AnalysisRunner::analysisReady, this, &MainWindow::onAnalysisReady);
    connect(runner_, &AnalysisRunner::partialReport, this,
            [this](std::shared_ptr<const ModelReport> partial) {
                // The tensors done so far; the rest show as being analysed.
                summary_->setText(tr("Analysing\u2026 %1 of %2 tensors done")
                                      .arg(partial->layers.size())
                                      .arg(modelFile_ ? modelFile_->tensors().size() : 0));
                browser_->setReport(partial);
                layerChart_->setReport(partial, modelFile_->tensors());
                model_->setReport(std::move(partial));
            });
    connect(runner_, &AnalysisRunner::analysisFailed, this, [this](const QString& message) {
        setBusy(false);
        summary_->setText(tr("Analysis failed"));
        reportError(tr("Analysis failed"), message);
    });
    connect(runner_, &AnalysisRunner::analysisCancelled, this, [this] {
        setBusy(false);
        summary_->setText(tr("Analysis cancelled"));
    });

    resize(1440, 900);
    setAcceptDrops(true);
    // The layout as built is what Reset layout returns to; the user's last one replaces it.
    defaultState_ = saveState();
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    QMainWindow::closeEvent(event);
}

QDockWidget* MainWindow::addDock(const QString& title, const QString& objectName, QWidget* widget,
                                 Qt::DockWidgetArea area)
{
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(objectName); // saveState() keys the layout by it
    dock->setWidget(widget);
    addDockWidget(area, dock);
    return dock;
}

void MainWindow::resetLayout()
{
    restoreState(defaultState_);
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        if (dock != compareDock_ && dock != lessonDock_) // opened on request only
            dock->show();
}

namespace {
// White on black with a yellow selection: what a projector in a lit room still shows.
QPalette highContrastPalette()
{
    QPalette palette;
    const QColor black(0, 0, 0), white(255, 255, 255), grey(160, 160, 160);
    palette.setColor(QPalette::Window, black);
    palette.setColor(QPalette::WindowText, white);
    palette.setColor(QPalette::Base, black);
    palette.setColor(QPalette::AlternateBase, QColor(28, 28, 28));
    palette.setColor(QPalette::Text, white);
    palette.setColor(QPalette::Button, QColor(32, 32, 32));
    palette.setColor(QPalette::ButtonText, white);
    palette.setColor(QPalette::Mid, grey);
    palette.setColor(QPalette::Highlight, QColor(255, 216, 0));
    palette.setColor(QPalette::HighlightedText, black);
    palette.setColor(QPalette::ToolTipBase, black);
    palette.setColor(QPalette::ToolTipText, white);
    palette.setColor(QPalette::Disabled, QPalette::Text, grey);
    palette.setColor(QPalette::Disabled, QPalette::WindowText, grey);
    palette.setColor(QPalette::Disabled, QPalette::ButtonText, grey);
    return palette;
}
} // namespace

void MainWindow::setPresentationMode(bool on)
{
    if (on == presentationMode())
        return;
    if (on) {
        presentation_ = SavedLook{font(), palette(), windowState()};
        QFont larger = font();
        larger.setPointSizeF(larger.pointSizeF() * 1.5);
        setFont(larger);
        setPalette(highContrastPalette());
        showFullScreen();
    } else {
        setFont(presentation_->font);
        setPalette(presentation_->palette);
        setWindowState(presentation_->states);
        presentation_.reset();
    }
    presentationAction_->setChecked(on); // when called directly rather than from the menu
}

QStringList MainWindow::recentFiles() const
{
    return QSettings().value(QStringLiteral("recentFiles")).toStringList();
}

void MainWindow::rememberRecentFile(const QString& path)
{
    QStringList files = recentFiles();
    const QString absolute = QFileInfo(path).absoluteFilePath();
    files.removeAll(absolute);
    files.prepend(absolute);
    while (files.size() > kMaxRecentFiles)
        files.removeLast();
    QSettings().setValue(QStringLiteral("recentFiles"), files);
}

void MainWindow::fillRecentMenu()
{
    recentMenu_->clear();
    const QStringList files = recentFiles();
    for (int i = 0; i < files.size(); ++i) {
        // &1 … &8: the digit is the keyboard accelerator.
        const QString text =
            QStringLiteral("&%1  %2").arg(i + 1).arg(QFileInfo(files[i]).fileName());
        QAction* action =
            recentMenu_->addAction(text, this, [this, path = files[i]] { openModel(path); });
        action->setToolTip(files[i]);
        action->setStatusTip(files[i]);
    }
    if (files.isEmpty())
        recentMenu_->addAction(tr("No recent files"))->setEnabled(false);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.front().isLocalFile())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.front().isLocalFile())
        return;
    event->acceptProposedAction();
    openModel(urls.front().toLocalFile());
}

MainWindow::~MainWindow() = default;

void MainWindow::setErrorReporter(ErrorReporter reporter)
{
    errorReporter_ = std::move(reporter);
}

const std::shared_ptr<const ModelReport>& MainWindow::report() const
{
    return model_->report();
}

void MainWindow::createMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open\u2026"), this, &MainWindow::showOpenDialog);
    open->setShortcut(QKeySequence::Open);
    recentMenu_ = file->addMenu(tr("Open &Recent"));
    connect(recentMenu_, &QMenu::aboutToShow, this, &MainWindow::fillRecentMenu);
    exportJson_ = file->addAction(tr("Export Report as &JSON\u2026"), this,
                                  [this] { showExportDialog(ExportFormat::Json); });
    exportCsv_ = file->addAction(tr("Export Report as &CSV\u2026"), this,
                                 [this] { showExportDialog(ExportFormat::Csv); });
    exportDocument_ = file->addAction(tr("Export Report as &HTML or PDF\u2026"), this,
                                      [this] { showExportDialog(ExportFormat::Html); });
    exportJson_->setShortcut(QKeySequence(tr("Ctrl+E")));
    exportCsv_->setShortcut(QKeySequence(tr("Ctrl+Shift+E")));
    exportDocument_->setShortcut(QKeySequence(tr("Ctrl+P")));
    for (QAction* action : {exportJson_, exportCsv_, exportDocument_})
        action->setEnabled(false); // until an analysis is in
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* analysis = menuBar()->addMenu(tr("&Analysis"));
    QAction* rerun = analysis->addAction(tr("&Analyse Again"), this, &MainWindow::reanalyze);
    rerun->setShortcut(QKeySequence::Refresh);
    QAction* stop = analysis->addAction(tr("&Cancel"), runner_, &AnalysisRunner::cancel);
    stop->setShortcut(QKeySequence(Qt::Key_Escape));
    analysis->addSeparator();
    QAction* find = analysis->addAction(tr("&Filter Tensors"), this, [this] {
        filter_->setFocus(Qt::ShortcutFocusReason);
        filter_->selectAll();
    });
    find->setShortcut(QKeySequence::Find);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        view->addAction(dock->toggleViewAction());
    view->addSeparator();
    view->addAction(tr("&Reset Layout"), this, &MainWindow::resetLayout);
    view->addSeparator();
    QAction* fullScreenChart = view->addAction(tr("Weights Chart &Full Screen"), this, [this] {
        showChartFullScreen(inspector_->valueChart());
    });
    fullScreenChart->setShortcut(QKeySequence(tr("Ctrl+Shift+F")));
    presentationAction_ = view->addAction(tr("&Presentation Mode"));
    presentationAction_->setCheckable(true);
    presentationAction_->setShortcut(QKeySequence(Qt::Key_F11));
    connect(presentationAction_, &QAction::toggled, this, &MainWindow::setPresentationMode);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    QMenu* lessonMenu = help->addMenu(tr("&Lessons"));
    for (std::size_t i = 0; i < lessons().size(); ++i)
        lessonMenu->addAction(lessons()[i].title, this, [this, i] { showLessonStep(i, 0); });
    help->addAction(lessonDock_->toggleViewAction());
}

void MainWindow::showLessonStep(std::size_t lesson, std::size_t step)
{
    const LessonStep& wanted = lessons().at(lesson).steps.at(step);
    lessonDock_->show();
    if (windowFilePath() != lessonsModelPath() && !openModel(lessonsModelPath()))
        return;
    settings_->setCliArguments(wanted.arguments); // analyses again
    const auto& tensors = modelFile_->tensors();
    for (std::size_t i = 0; i < tensors.size(); ++i)
        if (QString::fromStdString(tensors[i].name) == wanted.tensor)
            selectTensor(i);
    inspectorDock_->show();
    inspectorDock_->raise();
    QWidget* target = inspector_->valueChart();
    switch (wanted.target) {
    case LessonTarget::WeightHistogram:
        break;
    case LessonTarget::ErrorHistogram:
        target = inspector_->errorChart();
        break;
    case LessonTarget::ChannelRanges:
        target = inspector_->channelChart();
        break;
    case LessonTarget::BitsSweep:
        target = inspector_->sweepView();
        break;
    case LessonTarget::Details:
        target = inspector_->detailsLabel();
        break;
    }
    if (inspector_->viewTabs()->indexOf(target) >= 0)
        inspector_->viewTabs()->setCurrentWidget(target);
    lessonPanel_->showStep(lesson, step);
    highlight_->setTarget(target);
}

void MainWindow::endLesson()
{
    highlight_->setTarget(nullptr);
    lessonPanel_->showList();
}

void MainWindow::createStatusBar()
{
    summary_ = new QLabel(tr("Open a model (File \u203A Open)"));
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    progress_ = new QProgressBar;
    progress_->setRange(0, AnalysisRunner::kProgressSteps);
    progress_->setMaximumWidth(200);
    progress_->setTextVisible(false);
    cancel_ = new QPushButton(tr("Cancel"));
    cancel_->setToolTip(tr("Stop the running analysis"));
    connect(cancel_, &QPushButton::clicked, runner_, &AnalysisRunner::cancel);
    statusBar()->addWidget(summary_, 1);
    statusBar()->addPermanentWidget(progress_);
    statusBar()->addPermanentWidget(cancel_);
    setBusy(false);
}

void MainWindow::fitColumns()
{
    // Content width plus a gap, so that right-aligned numbers do not touch the next column.
    table_->resizeColumnsToContents();
    const int gap = table_->fontMetrics().averageCharWidth() * 2;
    for (int column = 0; column < TensorTableModel::StatusColumn; ++column)
        table_->setColumnWidth(column, table_->columnWidth(column) + gap);
}

void MainWindow::setBusy(bool busy)
{
    progress_->setValue(0);
    model_->setAnalysing(busy);
    progress_->setVisible(busy);
    cancel_->setVisible(busy);
}

QComboBox* MainWindow::dtypeCombo() const
{
    return settings_->formatCombo();
}

QComboBox* MainWindow::schemeCombo() const
{
    return settings_->schemeCombo();
}

QComboBox* MainWindow::granularityCombo() const
{
    return settings_->granularityCombo();
}

QComboBox* MainWindow::calibrationCombo() const
{
    return settings_->calibrationCombo();
}

QuantConfig MainWindow::currentConfig() const
{
    return settings_->config();
}

void MainWindow::showOpenDialog()
{
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open Model"), QFileInfo(windowFilePath()).absolutePath(),
        tr("Model files (*.safetensors *.json *.gguf *.onnx *.tflite *.pt *.pth *.bin *.npy "
           "*.npz);;All files (*)"));
    if (!path.isEmpty())
        openModel(path);
}

bool MainWindow::openModel(const QString& path)
{
    std::shared_ptr<const ModelFile> file;
    try {
        file = qs::openModel(QFile::encodeName(path).toStdString());
    } catch (const InputError& error) {
        reportError(tr("Cannot open model"), QString::fromStdString(error.what()));
        return false;
    } catch (const UsageError& error) {
        reportError(tr("Cannot open model"), QString::fromStdString(error.what()));
        return false;
    } catch (const std::exception& error) {
        reportError(tr("Cannot open model"),
                    tr("Internal error: %1").arg(QString::fromStdString(error.what())));
        return false;
    }
    modelFile_ = std::move(file);
    if (path != lessonsModelPath()) // the lessons' tensors are not the user's file
        rememberRecentFile(path);
    model_->setTensors(modelFile_->tensors());
    browser_->setTensors(modelFile_->tensors());
    currentTensor_.reset();
    inspector_->clear();
    compare_->setModel(modelFile_);
    conventions_->setModel(modelFile_);
    plan_->setModel(modelFile_);
    fitColumns();
    setWindowFilePath(path);
    setWindowTitle(tr("%1 \u2014 QuantScope").arg(QFileInfo(path).fileName()));
    reanalyze();
    return true;
}

void MainWindow::reanalyze()
{
    if (!modelFile_)
        return;
    QuantConfig config;
    try {
        config = currentConfig();
    } catch (const UsageError& error) {
        // The numbers shown belong to other settings: drop them rather than mislead.
        runner_->cancel();
        model_->setReport(nullptr);
        browser_->setReport(nullptr);
        layerChart_->setReport(nullptr, {});
        summary_->setText(tr("These settings cannot be combined"));
        reportError(tr("Invalid settings"), QString::fromStdString(error.what()));
        return;
    }
    model_->setReport(nullptr);
    browser_->setReport(nullptr);
    layerChart_->setReport(nullptr, {});
    for (QAction* action : {exportJson_, exportCsv_, exportDocument_})
        action->setEnabled(false);
    compare_->setFirst(config, nullptr);
    conventions_->setConfig(config);
    plan_->setBaseConfig(config);
    if (currentTensor_)
        inspector_->inspect(modelFile_, *currentTensor_, config);
    summary_->setText(tr("Analysing %1 tensors\u2026").arg(modelFile_->tensors().size()));
    runner_->start(modelFile_, config);
}

void MainWindow::onAnalysisReady(std::shared_ptr<const ModelReport> report)
{
    setBusy(false);
    const ModelReport& r = *report;
    for (QAction* action : {exportJson_, exportCsv_, exportDocument_})
        action->setEnabled(true);
    browser_->setReport(report);
    layerChart_->setReport(report, modelFile_->tensors());
    compare_->setFirst(report->config, report);
    model_->setReport(std::move(report));
    fitColumns();
    QString tensors = tr("%1 of %2 tensors analysed").arg(r.layers.size()).arg(r.tensorCount);
    if (!r.skipped.empty())
        tensors += tr(", %1 skipped").arg(r.skipped.size());
    const auto parameters = static_cast<qulonglong>(r.summary.parameters);
    QStringList parts{tensors, tr("%1 parameters").arg(QLocale().toString(parameters))};
    if (!r.layers.empty())
        parts << tr("model SQNR %1 dB, cosine %2")
                     .arg(decibels(r.summary.metrics.sqnrDb))
                     .arg(r.summary.metrics.cosine, 0, 'f', 6);
    summary_->setText(parts.join(QStringLiteral("  \u00B7  ")));
}

void MainWindow::showExportDialog(ExportFormat format)
{
    const QString base = QFileInfo(windowFilePath()).completeBaseName();
    QString suggested, filter;
    switch (format) {
    case ExportFormat::Json:
        suggested = base + QStringLiteral(".quantscope.json");
        filter = tr("JSON (*.json)");
        break;
    case ExportFormat::Csv:
        suggested = base + QStringLiteral(".quantscope.csv");
        filter = tr("CSV (*.csv)");
        break;
    case ExportFormat::Html:
    case ExportFormat::Pdf:
        suggested = base + QStringLiteral(".report.html");
        filter = tr("HTML page (*.html);;PDF document (*.pdf)");
        break;
    }
    QString chosenFilter;
    QString path = QFileDialog::getSaveFileName(
        this, tr("Export Report"), QFileInfo(windowFilePath()).absoluteDir().filePath(suggested),
        filter, &chosenFilter);
    if (path.isEmpty())
        return;
    if (format == ExportFormat::Html || format == ExportFormat::Pdf) {
        // The suffix decides; a name without one takes the chosen filter's.
        if (!reportFormatFor(path))
            path += chosenFilter.contains(QLatin1String("*.pdf")) ? QStringLiteral(".pdf")
                                                                  : QStringLiteral(".html");
        format =
            *reportFormatFor(path) == ReportFormat::Pdf ? ExportFormat::Pdf : ExportFormat::Html;
    }
    exportReport(path, format);
}

QAction* MainWindow::exportAction(ExportFormat format) const
{
    switch (format) {
    case ExportFormat::Json:
        return exportJson_;
    case ExportFormat::Csv:
        return exportCsv_;
    case ExportFormat::Html:
    case ExportFormat::Pdf:
        break;
    }
    return exportDocument_;
}

bool MainWindow::exportReport(const QString& path, ExportFormat format)
{
    const auto& current = report();
    if (!current) {
        reportError(tr("Nothing to export"), tr("No analysis has finished yet."));
        return false;
    }
    if (format == ExportFormat::Html || format == ExportFormat::Pdf) {
        try {
            exportReportDocument(this, *modelFile_, *current, path,
                                 format == ExportFormat::Pdf ? ReportFormat::Pdf
                                                             : ReportFormat::Html);
            return true;
        } catch (const CancelledError&) {
            return false;
        } catch (const Error& error) {
            reportError(tr("Cannot export report"), QString::fromStdString(error.what()));
            return false;
        }
    }
    // The CLI's own writers: a file exported here and `analyze --json/--csv` agree.
    std::ostringstream text;
    if (format == ExportFormat::Json)
        text << reportJson(*current).dump(2) << '\n';
    else
        writeCsvReport(text, *current);
    const std::string bytes = text.str();
    QSaveFile file(path); // written whole or not at all
    if (!file.open(QIODevice::WriteOnly) ||
        file.write(bytes.data(), static_cast<qint64>(bytes.size())) !=
            static_cast<qint64>(bytes.size()) ||
        !file.commit()) {
        reportError(tr("Cannot export report"), tr("%1: %2").arg(path, file.errorString()));
        return false;
    }
    return true;
}

void MainWindow::selectTensor(std::size_t tensor)
{
    if (!modelFile_ || tensor >= modelFile_->tensors().size() || currentTensor_ == tensor)
        return;
    currentTensor_ = tensor;
    showTensorInTable(tensor);
    browser_->selectTensor(tensor);
    compare_->showTensor(tensor);
    conventions_->showTensor(tensor);
    plan_->showTensor(tensor);
    try {
        inspector_->inspect(modelFile_, tensor, currentConfig());
    } catch (const UsageError&) {
        // reanalyze() has reported the settings already; nothing valid to show.
        inspector_->clear();
    }
}

void MainWindow::showTensorInTable(std::size_t tensor)
{
    const QModelIndex row = proxy_->mapFromSource(model_->index(static_cast<int>(tensor), 0));
    if (!row.isValid())
        return; // hidden by the table's own filter
    table_->selectionModel()->setCurrentIndex(row, QItemSelectionModel::ClearAndSelect |
                                                       QItemSelectionModel::Rows);
    table_->scrollTo(row);
}

void MainWindow::reportError(const QString& title, const QString& message)
{
    if (errorReporter_)
        errorReporter_(title, message);
    else
        QMessageBox::warning(this, title, message);
}

} // namespace qs::ui
