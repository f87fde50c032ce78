#include "terminal_progress.h"

#include <cstdio>
#include <unistd.h>

namespace qs::cli {

bool TerminalProgress::wanted()
{
    return ::isatty(STDERR_FILENO) == 1;
}

bool TerminalProgress::report(std::uint64_t done, std::uint64_t total)
{
    // Redrawn at most ten times a second: reports arrive per chunk of blocks.
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    if (drawn_ && now - lastDrawn_ < std::chrono::milliseconds(100))
        return true;
    const double percent =
        total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0;
    std::fprintf(stderr, "\ranalysing: %5.1f %%", percent);
    std::fflush(stderr);
    lastDrawn_ = now;
    drawn_ = true;
    return true;
}

TerminalProgress::~TerminalProgress()
{
    if (drawn_) {
        std::fputs("\r\033[K", stderr); // erase the line so the report starts clean
        std::fflush(stderr);
    }
}

} // namespace qs::cli
