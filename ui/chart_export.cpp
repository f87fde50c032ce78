#include "chart_export.h"

#include "chart_full_screen.h"

#include <QAction>
#include <QApplication>
#include <QChartView>
#include <QClipboard>
#include <QFileDialog>
#include <QMessageBox>
#include <QPainter>
#include <QSvgGenerator>

namespace qs::ui {

bool saveChartPng(QChartView* view, const QString& path)
{
    return view->grab().save(path, "PNG");
}

bool saveChartSvg(QChartView* view, const QString& path)
{
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(view->size());
    svg.setViewBox(view->rect());
    svg.setTitle(view->chart()->title());
    QPainter painter;
    if (!painter.begin(&svg))
        return false;
    view->render(&painter);
    return painter.end();
}

void addChartExportActions(QChartView* view)
{
    view->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto* copy = new QAction(QObject::tr("&Copy Chart"), view);
    QObject::connect(copy, &QAction::triggered, view,
                     [view] { QApplication::clipboard()->setPixmap(view->grab()); });
    auto* png = new QAction(QObject::tr("Save Chart as &PNG\u2026"), view);
    auto* svg = new QAction(QObject::tr("Save Chart as &SVG\u2026"), view);
    auto saveAs = [view](const QString& filter, bool vector) {
        const QString path =
            QFileDialog::getSaveFileName(view, QObject::tr("Save Chart"), QString(), filter);
        if (path.isEmpty())
            return;
        if (!(vector ? saveChartSvg(view, path) : saveChartPng(view, path)))
            QMessageBox::warning(view, QObject::tr("Cannot save chart"),
                                 QObject::tr("%1: could not be written").arg(path));
    };
    QObject::connect(png, &QAction::triggered, view,
                     [saveAs] { saveAs(QObject::tr("PNG image (*.png)"), false); });
    QObject::connect(svg, &QAction::triggered, view,
                     [saveAs] { saveAs(QObject::tr("SVG drawing (*.svg)"), true); });
    auto* fullScreen = new QAction(QObject::tr("Show &Full Screen"), view);
    QObject::connect(fullScreen, &QAction::triggered, view, [view] { showChartFullScreen(view); });
    view->addActions({copy, png, svg, fullScreen});
}

} // namespace qs::ui
