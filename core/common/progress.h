#pragma once
// Progress reporting and cancellation without Qt. The GUI bridges this to QPromise;
// the CLI ignores it or prints to stderr.

#include <cstdint>

namespace qs {

class Progress {
public:
    virtual ~Progress() = default;
    // Called from worker threads, possibly concurrently. Returns false to ask the
    // work to stop as soon as possible (it then throws CancelledError).
    virtual bool report(std::uint64_t done, std::uint64_t total) = 0;
};

} // namespace qs
