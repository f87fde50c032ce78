#pragma once
// Collects what QAbstractItemModelTester reports (it warns under the "qt.modeltest"
// category), so that a contract violation fails the GoogleTest test instead of the process.

#include <QStringList>
#include <QtGlobal>

namespace qs::ui {

class ModelTesterMessages {
public:
    ModelTesterMessages() { previous_ = qInstallMessageHandler(&ModelTesterMessages::handle); }
    ~ModelTesterMessages() { qInstallMessageHandler(previous_); }
    static QStringList& messages()
    {
        static QStringList list;
        return list;
    }

private:
    static void handle(QtMsgType type, const QMessageLogContext& context, const QString& text)
    {
        if (type != QtDebugMsg && context.category &&
            QLatin1String(context.category).startsWith(QLatin1String("qt.modeltest")))
            messages().append(text);
    }
    QtMessageHandler previous_ = nullptr;
};

} // namespace qs::ui
