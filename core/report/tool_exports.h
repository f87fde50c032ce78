#pragma once
// The analysis in the forms other tools read, so that a finding here becomes a setting
// there:
// - the per-layer table in the column layout of TensorFlow Lite's quantization debugger
//   (`layer_statistics_dump`), as CSV and as JSON records, for notebooks written for it;
// - the layers to keep in higher precision, as ONNX Runtime's `nodes_to_exclude`, as
//   `llama-quantize --tensor-type-file` lines, and as a PyTorch QConfigMapping dict.

#include "analysis/model_analyzer.h"

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace qs {

// Columns op_name, tensor_idx, num_elements, stddev, mean_error, max_abs_error,
// mean_squared_error, scale, zero_point, tensor_name; rows end in CRLF as the debugger's
// csv.DictWriter writes them. The statistics are of the weight error x̂ - x over finite
// elements (the debugger measures an op's output over a dataset); scale and zero_point are
// the tensor's when it is one block, and empty when it has several (the debugger writes
// the first channel's, which describes no other).
// `tensors` are the model's, for the tensor index and the reading operator.
void writeDebuggerCsv(std::ostream& out, const ModelReport& report,
                      const std::vector<TensorInfo>& tensors);
nlohmann::ordered_json debuggerJson(const ModelReport& report,
                                    const std::vector<TensorInfo>& tensors);

// {"nodes_to_exclude": [the names of the nodes that read the kept weights, in file order,
// once each]}. Throws UsageError for a model without node names (not ONNX) or a kept
// weight whose reading node has no name.
nlohmann::ordered_json ortNodesToExclude(const ModelReport& report,
                                         const std::vector<TensorInfo>& tensors,
                                         const std::vector<std::size_t>& kept);

// One `^NAME$=TYPE` line per kept tensor, the name's regex characters escaped (the tool
// searches each pattern unanchored: blk.1 would match blk.10 too). TYPE a ggml type name
// (UsageError otherwise).
void writeLlamaTensorTypes(std::ostream& out, const ModelReport& report,
                           const std::vector<std::size_t>& kept, const std::string& type);
// The pattern that picks out exactly `name` when searched: ^NAME$ with its regex characters
// escaped.
std::string llamaTensorPattern(const std::string& name);
// The ggml type names llama-quantize accepts for a kept tensor.
bool isLlamaKeepType(const std::string& type);

// {"module_name": [[module, null], ...]}: QConfigMapping.from_dict() leaves those modules
// in float. A module is the tensor name without its last component (".weight", ".bias").
nlohmann::ordered_json torchQconfigMapping(const ModelReport& report,
                                           const std::vector<std::size_t>& kept);

} // namespace qs
