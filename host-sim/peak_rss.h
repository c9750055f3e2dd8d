#pragma once

namespace probebox::sim {

// This program's peak resident set in KiB (VmHWM of /proc/self/status), or -1.
// getrusage's ru_maxrss is no use to a benchmark here: Linux carries it across
// exec, so a child started by a 20 MiB Python harness reports at least 20 MiB.
long peak_rss_kib();

}  // namespace probebox::sim
