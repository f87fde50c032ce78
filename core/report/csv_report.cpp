#include "report/csv_report.h"

#include "report/csv_text.h"

#include <cmath>
#include <cstdio>

namespace qs {

namespace {
void writeOutputColumns(std::ostream& out, const LayerReport& layer)
{
    if (!layer.output) {
        out << ",,,,,,,,,,,," << csvText(layer.outputSkipped);
        return;
    }
    const LayerOutput& o = *layer.output;
    const ErrorMetrics& m = o.metrics;
    out << ',' << o.m << ',' << o.n << ',' << o.k << ',' << csvNumber(o.actScale) << ','
        << o.actZeroPoint << ',' << csvNumber(m.mse) << ',' << csvNumber(m.rmse) << ','
        << csvNumber(m.maxAbsErr) << ',' << csvNumber(m.meanErr) << ',' << csvNumber(m.sqnrDb)
        << ',' << csvNumber(m.cosine) << ',' << csvNumber(m.relFro) << ',';
}
} // namespace

void writeCsvReport(std::ostream& out, const ModelReport& report, const ExtraColumns& extra)
{
    out << "name,shape,dtype,numel,nonfinite,blocks,scale_min,scale_max,scale,zero_point,mse,rmse,"
           "max_abs_err,mean_err,sqnr_db,cosine,rel_fro,clipped_frac,overflow,underflow";
    if (report.matmul)
        out << ",output_m,output_n,output_k,act_scale,act_zero_point,output_mse,output_rmse,"
               "output_max_abs_err,output_mean_err,output_sqnr_db,output_cosine,output_rel_fro,"
               "output_skipped";
    for (const std::string& name : extra.header)
        out << ',' << name;
    out << '\n';
    for (std::size_t index = 0; index < report.layers.size(); ++index) {
        const LayerReport& l = report.layers[index];
        const ErrorMetrics& m = l.metrics;
        out << csvText(l.name) << ',' << shapeToString(l.shape) << ',' << dtypeName(l.dtype) << ','
            << l.numel << ',' << l.nonfinite << ',' << l.blocks << ',' << csvNumber(l.scaleMin)
            << ',' << csvNumber(l.scaleMax) << ',' << (l.scale ? csvNumber(*l.scale) : "") << ','
            << (l.zeroPoint ? std::to_string(*l.zeroPoint) : "") << ',' << csvNumber(m.mse) << ','
            << csvNumber(m.rmse) << ',' << csvNumber(m.maxAbsErr) << ',' << csvNumber(m.meanErr)
            << ',' << csvNumber(m.sqnrDb) << ',' << csvNumber(m.cosine) << ','
            << csvNumber(m.relFro) << ',' << csvNumber(m.clippedFrac) << ','
            << (l.casts ? std::to_string(l.casts->overflow) : "") << ','
            << (l.casts ? std::to_string(l.casts->underflow) : "");
        if (report.matmul)
            writeOutputColumns(out, l);
        if (extra.cells)
            for (const std::string& cell : extra.cells(index))
                out << ',' << cell;
        out << '\n';
    }
}

} // namespace qs
