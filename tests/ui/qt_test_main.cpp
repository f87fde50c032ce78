// GoogleTest main for the UI tests: one QApplication for all of them, and the offscreen
// platform unless the caller chose one (so the tests run headless, in CI and over ssh).

#include <QApplication>
#include <QSettings>
#include <QTemporaryDir>
#include <gtest/gtest.h>

int main(int argc, char* argv[])
{
    if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    ::testing::InitGoogleTest(&argc, argv);
    QApplication app(argc, argv);
    // Settings (recent files, window layout, the last quantization) go to a folder of this
    // process's own, never the user's: ctest runs several test processes at once, and one
    // must not restore what another has just saved. The folder goes with the process.
    const QTemporaryDir settingsDir;
    if (!settingsDir.isValid())
        return 1;
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, settingsDir.path());
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settingsDir.path());
    QApplication::setOrganizationName(QStringLiteral("QuantScopeTests"));
    QApplication::setApplicationName(QStringLiteral("quantscope_ui_tests"));
    return RUN_ALL_TESTS();
}
