#include "report/csv_report.h"

#include <cmath>
#include <cstdio>

namespace qs {

namespace {
std::string csvText(const std::string& text)
{
    if (text.find_first_of(",\"\n\r") == std::string::npos)
        return text;
    std::string quoted = "\"";
    for (char c : text)
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

std::string csvNumber(double value)
{
    if (std::isnan(value))
        return "nan";
    if (std::isinf(value))
        return value > 0 ? "inf" : "-inf";
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%.17g", value);
    return buffer;
}
} // namespace

void writeCsvReport(std::ostream& out, const ModelReport& report)
{
    out << "name,shape,dtype,numel,nonfinite,blocks,scale_min,scale_max,scale,zero_point,mse,rmse,"
           "max_abs_err,mean_err,sqnr_db,cosine,rel_fro,clipped_frac,overflow,underflow\n";
    for (const LayerReport& l : report.layers) {
        const ErrorMetrics& m = l.metrics;
        out << csvText(l.name) << ',' << shapeToString(l.shape) << ',' << dtypeName(l.dtype) << ','
            << l.numel << ',' << l.nonfinite << ',' << l.blocks << ',' << csvNumber(l.scaleMin)
            << ',' << csvNumber(l.scaleMax) << ',' << (l.scale ? csvNumber(*l.scale) : "") << ','
            << (l.zeroPoint ? std::to_string(*l.zeroPoint) : "") << ',' << csvNumber(m.mse) << ','
            << csvNumber(m.rmse) << ',' << csvNumber(m.maxAbsErr) << ',' << csvNumber(m.meanErr)
            << ',' << csvNumber(m.sqnrDb) << ',' << csvNumber(m.cosine) << ','
            << csvNumber(m.relFro) << ',' << csvNumber(m.clippedFrac) << ','
            << (l.casts ? std::to_string(l.casts->overflow) : "") << ','
            << (l.casts ? std::to_string(l.casts->underflow) : "") << '\n';
    }
}

} // namespace qs
