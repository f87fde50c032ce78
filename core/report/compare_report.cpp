#include "report/compare_report.h"

#include "report/csv_text.h"
#include "report/json_report.h"
#include "report/table_text.h"

namespace qs {

nlohmann::ordered_json compareJson(const CompareReport& report)
{
    nlohmann::ordered_json doc;
    doc["quantscope_compare"] = 1;
    doc["reference"] = {{"path", report.referencePath}, {"format", report.referenceFormat}};
    doc["candidate"] = {{"path", report.candidatePath}, {"format", report.candidateFormat}};
    auto& tensors = doc["tensors"] = nlohmann::ordered_json::array();
    for (const ComparedTensor& t : report.tensors) {
        nlohmann::ordered_json entry;
        entry["name"] = t.name;
        entry["shape"] = t.shape;
        entry["reference_dtype"] = t.referenceType;
        entry["candidate_dtype"] = t.candidateType;
        entry["numel"] = t.numel;
        entry["nonfinite"] = t.nonfinite;
        addMetricsJson(entry, t.metrics, false);
        tensors.push_back(std::move(entry));
    }
    auto& unmatched = doc["unmatched"] = nlohmann::ordered_json::array();
    for (const UnmatchedTensor& u : report.unmatched)
        unmatched.push_back({{"name", u.name}, {"reason", u.reason}});
    nlohmann::ordered_json summary;
    summary["parameters"] = report.parameters;
    addMetricsJson(summary, report.summary, false);
    doc["summary"] = std::move(summary);
    return doc;
}

void writeCompareCsv(std::ostream& out, const CompareReport& report)
{
    out << "name,shape,reference_dtype,candidate_dtype,numel,nonfinite,mse,rmse,max_abs_err,"
           "mean_err,sqnr_db,cosine,rel_fro\n";
    for (const ComparedTensor& t : report.tensors) {
        const ErrorMetrics& m = t.metrics;
        out << csvText(t.name) << ',' << shapeToString(t.shape) << ',' << csvText(t.referenceType)
            << ',' << csvText(t.candidateType) << ',' << t.numel << ',' << t.nonfinite << ','
            << csvNumber(m.mse) << ',' << csvNumber(m.rmse) << ',' << csvNumber(m.maxAbsErr) << ','
            << csvNumber(m.meanErr) << ',' << csvNumber(m.sqnrDb) << ',' << csvNumber(m.cosine)
            << ',' << csvNumber(m.relFro) << '\n';
    }
}

void writeCompareText(std::ostream& out, const CompareReport& report)
{
    out << "reference: " << report.referencePath << " (" << report.referenceFormat << ")\n"
        << "candidate: " << report.candidatePath << " (" << report.candidateFormat << ")\n";
    std::vector<std::vector<std::string>> rows{
        {"tensor", "shape", "types", "SQNR dB", "MSE", "max |e|", "cosine"}};
    for (const ComparedTensor& t : report.tensors)
        rows.push_back({t.name, shapeToString(t.shape), t.referenceType + "->" + t.candidateType,
                        formatNumber("%.2f", t.metrics.sqnrDb), formatNumber("%.3e", t.metrics.mse),
                        formatNumber("%.3e", t.metrics.maxAbsErr),
                        formatNumber("%.6f", t.metrics.cosine)});
    if (!report.tensors.empty())
        printTable(out, rows);
    for (const ComparedTensor& t : report.tensors)
        if (t.nonfinite)
            out << "note: " << t.name << " has " << t.nonfinite
                << " NaN/Inf values on either side, excluded from its metrics\n";
    if (!report.unmatched.empty()) {
        out << "not compared:\n";
        for (const UnmatchedTensor& u : report.unmatched)
            out << "  " << u.name << ": " << u.reason << '\n';
    }
    if (report.tensors.empty()) {
        out << "summary: no tensor compared\n";
        return;
    }
    const ErrorMetrics& m = report.summary;
    out << "summary: " << report.tensors.size() << " tensors, " << report.parameters
        << " parameters, SQNR " << formatNumber("%.2f", m.sqnrDb) << " dB, MSE "
        << formatNumber("%.3e", m.mse) << ", cosine " << formatNumber("%.6f", m.cosine) << '\n';
}

} // namespace qs
