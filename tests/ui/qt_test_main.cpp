// GoogleTest main for the UI tests: one QApplication for all of them, and the offscreen
// platform unless the caller chose one (so the tests run headless, in CI and over ssh).

#include <QApplication>
#include <QSettings>
#include <QStandardPaths>
#include <gtest/gtest.h>

int main(int argc, char* argv[])
{
    if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    ::testing::InitGoogleTest(&argc, argv);
    QApplication app(argc, argv);
    // Settings (recent files, window layout) go to a test location, never the user's, and
    // every run starts from none.
    QStandardPaths::setTestModeEnabled(true);
    QApplication::setOrganizationName(QStringLiteral("QuantScopeTests"));
    QApplication::setApplicationName(QStringLiteral("quantscope_ui_tests"));
    QSettings().clear();
    return RUN_ALL_TESTS();
}
