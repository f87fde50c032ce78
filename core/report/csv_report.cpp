#include "report/csv_report.h"

#include "report/csv_text.h"

#include <cmath>
#include <cstdio>

namespace qs {

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
