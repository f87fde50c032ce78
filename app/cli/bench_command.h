#pragma once
// quantscope-cli bench: how fast this machine runs the int8 GEMM that --matmul uses.

#include "cli_options.h"

namespace qs::cli {

int runBench(const Options& options);

} // namespace qs::cli
