#include "report/text_report.h"

#include "report/json_report.h"
#include "report/table_text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace qs {

namespace {
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
    const bool anyUse = std::any_of(model.tensors().begin(), model.tensors().end(),
                                    [](const TensorInfo& t) { return t.use.has_value(); });
    std::vector<std::vector<std::string>> rows{{"name", "shape", "dtype", "numel", "offset"}};
    if (anyUse)
        rows[0].push_back("used as");
    for (const TensorInfo& t : model.tensors()) {
        rows.push_back({t.name, '[' + shapeToString(t.shape, ',') + ']', storedTypeName(t),
                        std::to_string(t.numel), std::to_string(t.offset)});
        if (anyUse)
            rows.back().push_back(t.use ? t.use->op + (t.use->role.empty() ? "" : " " + t.use->role)
                                        : "");
    }
    printTable(out, rows);
}

void writeReportText(std::ostream& out, const ModelReport& report, const ExtraColumns& extra)
{
    out << report.path << ": " << report.format << ", " << describeConfig(report.config) << '\n';
    if (report.matmul)
        out << "layer outputs: X from " << report.activations << ", "
            << toString(report.matmul->activationType) << " per tensor\n";
    std::vector<std::vector<std::string>> rows{
        {"tensor", "shape", "dtype", "blocks", "SQNR dB", "MSE", "max |e|", "cosine", "clipped %"}};
    if (report.matmul)
        rows[0].insert(rows[0].end(), {"out SQNR dB", "out cosine"});
    rows[0].insert(rows[0].end(), extra.header.begin(), extra.header.end());
    for (std::size_t index = 0; index < report.layers.size(); ++index) {
        const LayerReport& l = report.layers[index];
        rows.push_back({l.name, shapeToString(l.shape), std::string(dtypeName(l.dtype)),
                        std::to_string(l.blocks), formatNumber("%.2f", l.metrics.sqnrDb),
                        formatNumber("%.3e", l.metrics.mse),
                        formatNumber("%.3e", l.metrics.maxAbsErr),
                        formatNumber("%.6f", l.metrics.cosine),
                        formatNumber("%.4f", 100.0 * l.metrics.clippedFrac)});
        if (report.matmul) {
            const bool measured = l.output.has_value();
            rows.back().push_back(measured ? formatNumber("%.2f", l.output->metrics.sqnrDb) : "-");
            rows.back().push_back(measured ? formatNumber("%.6f", l.output->metrics.cosine) : "-");
        }
        if (extra.cells) {
            const auto cells = extra.cells(index);
            rows.back().insert(rows.back().end(), cells.begin(), cells.end());
        }
    }
    if (!report.layers.empty())
        printTable(out, rows);
    for (const LayerReport& l : report.layers)
        if (l.nonfinite)
            out << "note: " << l.name << " has " << l.nonfinite
                << " NaN/Inf values, excluded from its metrics\n";
    std::size_t vectorsWithoutOutput = 0;
    for (const LayerReport& l : report.layers) {
        if (!report.matmul || l.output)
            continue;
        if (l.shape.size() < 2)
            ++vectorsWithoutOutput; // biases and norms: listed in JSON and CSV, counted here
        else
            out << "note: no output error for " << l.name << ": " << l.outputSkipped << '\n';
    }
    if (vectorsWithoutOutput)
        out << "note: " << vectorsWithoutOutput
            << " tensors of rank below 2 (biases, norms) have no output error\n";
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
        << " parameters, SQNR " << formatNumber("%.2f", m.sqnrDb) << " dB, MSE "
        << formatNumber("%.3e", m.mse) << ", cosine " << formatNumber("%.6f", m.cosine) << '\n';
    if (report.summary.output)
        out << "outputs: " << report.summary.outputLayers << " layers, SQNR "
            << formatNumber("%.2f", report.summary.output->sqnrDb) << " dB, cosine "
            << formatNumber("%.6f", report.summary.output->cosine) << '\n';
    for (const std::string& note : extra.notes)
        out << note << '\n';
}

} // namespace qs
