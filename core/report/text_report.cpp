#include "report/text_report.h"

#include "report/json_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace qs {

namespace {
std::string format(const char* pattern, double value)
{
    if (std::isinf(value))
        return value > 0 ? "inf" : "-inf";
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, pattern, value);
    return buffer;
}

// Left-aligned first column, right-aligned numbers, widths from the content.
void printTable(std::ostream& out, const std::vector<std::vector<std::string>>& rows)
{
    std::vector<std::size_t> widths;
    for (const auto& row : rows)
        for (std::size_t c = 0; c < row.size(); ++c) {
            widths.resize(std::max(widths.size(), row.size()));
            widths[c] = std::max(widths[c], row[c].size());
        }
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t c = 0; c < row.size(); ++c) {
            const std::string pad(widths[c] - row[c].size(), ' ');
            line += c == 0 ? row[c] + pad : "  " + pad + row[c];
        }
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        out << line << '\n';
    }
}

std::string describeConfig(const QuantConfig& c)
{
    if (c.preset != Preset::None)
        return toString(c.preset) + " (blocks of 32), convention " + toString(c.convention);
    // Appended piece by piece: GCC 12 at -O3 warns (falsely, -Wrestrict) on "x" + temporary.
    std::string text = toString(c.format);
    text += ' ';
    if (c.format.kind == NumberFormat::Kind::Float) {
        text += toString(c.effectiveFpMode());
    } else {
        text += toString(c.scheme);
        if (c.narrowRange)
            text += " narrow-range";
    }
    for (const std::string& part : {toString(c.granularity), toString(c.calibration)})
        text += ", " + part;
    text += ", convention ";
    text += toString(c.convention);
    return text;
}
} // namespace

void writeInfoText(std::ostream& out, const ModelFile& model)
{
    out << model.path() << ": " << model.format() << ", " << model.tensors().size() << " tensors, "
        << floatParameters(model) << " floating-point parameters\n";
    if (!model.metadata().empty())
        for (const auto& [key, value] : model.metadata().items())
            out << "  " << key << " = "
                << (value.is_string() ? value.get<std::string>() : value.dump()) << '\n';
    std::vector<std::vector<std::string>> rows{{"name", "shape", "dtype", "numel", "offset"}};
    for (const TensorInfo& t : model.tensors())
        rows.push_back({t.name, '[' + shapeToString(t.shape, ',') + ']',
                        storedTypeName(t), std::to_string(t.numel),
                        std::to_string(t.offset)});
    printTable(out, rows);
}

void writeReportText(std::ostream& out, const ModelReport& report)
{
    out << report.path << ": " << report.format << ", " << describeConfig(report.config) << '\n';
    std::vector<std::vector<std::string>> rows{
        {"tensor", "shape", "dtype", "blocks", "SQNR dB", "MSE", "max |e|", "cosine", "clipped %"}};
    for (const LayerReport& l : report.layers)
        rows.push_back({l.name, shapeToString(l.shape), std::string(dtypeName(l.dtype)),
                        std::to_string(l.blocks), format("%.2f", l.metrics.sqnrDb),
                        format("%.3e", l.metrics.mse), format("%.3e", l.metrics.maxAbsErr),
                        format("%.6f", l.metrics.cosine),
                        format("%.4f", 100.0 * l.metrics.clippedFrac)});
    if (!report.layers.empty())
        printTable(out, rows);
    for (const LayerReport& l : report.layers)
        if (l.nonfinite)
            out << "note: " << l.name << " has " << l.nonfinite
                << " NaN/Inf values, excluded from its metrics\n";
    if (!report.skipped.empty()) {
        out << "skipped:\n";
        for (const SkippedTensor& s : report.skipped)
            out << "  " << s.name << ": " << s.reason << '\n';
    }
    if (report.layers.empty()) {
        out << "summary: no tensor analysed\n";
        return;
    }
    const ErrorMetrics& m = report.summary.metrics;
    out << "summary: " << report.layers.size() << " tensors, " << report.summary.parameters
        << " parameters, SQNR " << format("%.2f", m.sqnrDb) << " dB, MSE " << format("%.3e", m.mse)
        << ", cosine " << format("%.6f", m.cosine) << '\n';
}

} // namespace qs
