#include "conventions_command.h"

#include "analysis/float_values.h"
#include "commands.h"
#include "common/error.h"
#include "formats/model_file.h"
#include "quant/tensor_quantizer.h"
#include "report/convention_report.h"
#include "terminal_progress.h"

#include <iostream>

namespace qs::cli {

int runConventions(const Options& options)
{
    const QuantConfig& config = options.config;
    if (config.preset != Preset::None || config.format.kind != NumberFormat::Kind::Integer)
        throw UsageError("conventions: frameworks differ on integer grids; pick --dtype intN or "
                         "uintN");
    const auto model = openModel(options.model);
    const std::optional<std::regex> filter = tensorFilter(options);
    std::vector<TensorConventions> tensors;
    const auto& infos = model->tensors();
    const bool terminal = TerminalProgress::wanted();
    for (std::size_t index = 0; index < infos.size(); ++index) {
        const TensorInfo& info = infos[index];
        if (!isFloat(info.dtype) || (filter && !std::regex_search(info.name, *filter)) ||
            whyNotApplicable(info.shape, config))
            continue;
        if (terminal)
            std::cerr << "\r" << index + 1 << " of " << infos.size() << " tensors   " << std::flush;
        withFloatValues(*model, index, [&](std::span<const float> values) {
            tensors.push_back({info.name, compareConventions(values, info.shape, config)});
        });
    }
    if (terminal)
        std::cerr << "\r\033[K" << std::flush;
    if (tensors.empty())
        throw UsageError("conventions: no floating-point tensor the configuration applies to");
    if (options.jsonOut)
        writeToDestination(*options.jsonOut, [&](std::ostream& out) {
            out << conventionsJson(tensors, config.convention).dump(2) << '\n';
        });
    if (!options.jsonOut || *options.jsonOut != "-") {
        std::cout << tensors.size() << " tensors, " << toString(config.format) << ' '
                  << toString(config.scheme) << ' ' << toString(config.granularity) << ' '
                  << toString(config.calibration) << "; compared with "
                  << toString(config.convention) << ":\n";
        writeConventionsText(std::cout, totalOverTensors(tensors), config.convention);
    }
    return 0;
}

} // namespace qs::cli
