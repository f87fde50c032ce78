#pragma once
// A percentage on one self-overwriting line of stderr, for analyses long enough to wait
// for. Only used when stderr is a terminal, so scripts and pipes see no extra output.

#include "common/progress.h"

#include <chrono>
#include <mutex>

namespace qs::cli {

class TerminalProgress final : public Progress {
public:
    ~TerminalProgress() override;
    bool report(std::uint64_t done, std::uint64_t total) override;

    // True when stderr is a terminal.
    static bool wanted();

private:
    std::mutex mutex_;
    std::chrono::steady_clock::time_point lastDrawn_{};
    bool drawn_ = false;
};

} // namespace qs::cli
