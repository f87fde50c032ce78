#pragma once
// A main window started with fresh settings that opens a model and waits for its analysis;
// the problems it reports are collected for the test instead of shown in dialogs.

#include "analysis_runner.h"
#include "main_window.h"

#include <QSettings>
#include <QSignalSpy>
#include <QStringList>

namespace qs::ui::test {

class AnalysedWindow {
public:
    AnalysedWindow()
    {
        window.setErrorReporter(
            [this](const QString&, const QString& message) { errors << message; });
    }

    // False when the file does not open or its analysis does not finish within a minute.
    [[nodiscard]] bool open(const QString& path)
    {
        QSignalSpy ready(window.analysisRunner(), &AnalysisRunner::analysisReady);
        return window.openModel(path) && ready.wait(60000);
    }

private:
    struct FreshSettings {
        FreshSettings() { QSettings().clear(); }
    } fresh_; // before the window, which reads the settings as it is built

public:
    MainWindow window;
    QStringList errors;
};

} // namespace qs::ui::test
