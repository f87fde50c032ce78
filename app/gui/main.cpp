// The QuantScope window: everything but this lives in quantscope_ui, where tests reach it.

#include "main_window.h"

#include <QApplication>
#include <QFileInfo>

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("QuantScope"));
    QApplication::setApplicationName(QStringLiteral("QuantScope"));
    QApplication::setApplicationVersion(QStringLiteral("0.1.0"));

    qs::ui::MainWindow window;
    window.show();
    // The model named on the command line, else the bundled sample if this build has one.
    const QStringList arguments = QApplication::arguments();
    const QString sample = QStringLiteral(QS_SAMPLE_MODEL);
    if (arguments.size() > 1)
        window.openModel(arguments.at(1));
    else if (QFileInfo::exists(sample))
        window.openModel(sample);
    return QApplication::exec();
}
