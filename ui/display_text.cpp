#include "display_text.h"

#include <cmath>

namespace qs::ui {

QString shapeText(const Shape& shape)
{
    if (shape.empty())
        return QStringLiteral("scalar");
    QString text;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i)
            text += QChar(0x00D7); // ×
        text += QString::number(shape[i]);
    }
    return text;
}

QString decibelText(double value)
{
    if (std::isinf(value))
        return value > 0 ? QStringLiteral("\u221E") : QStringLiteral("-\u221E");
    return QString::number(value, 'f', 2);
}

} // namespace qs::ui
