#include "core/civil_time.h"

namespace probebox {

void append_iso8601(TextBuffer& out, int64_t t) {
  // Days since 1970-01-01 to a civil date (proleptic Gregorian), no libc time needed.
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int64_t secs = t - days * 86400;
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  // As "%04d-%02d-%02dT%02d:%02d:%02dZ" would write it (a year before 1 BC as "-001").
  if (y < 0) {
    out.append('-');
    out.append_uint(static_cast<uint64_t>(-y), 3);
  } else {
    out.append_uint(static_cast<uint64_t>(y), 4);
  }
  out.append('-');
  out.append_uint(static_cast<uint64_t>(m), 2);
  out.append('-');
  out.append_uint(static_cast<uint64_t>(d), 2);
  out.append('T');
  append_hh_mm_ss(out, static_cast<uint32_t>(secs));
  out.append('Z');
}

void append_hh_mm_ss(TextBuffer& out, uint32_t seconds_of_day) {
  out.append_uint(seconds_of_day / 3600, 2);
  out.append(':');
  out.append_uint(seconds_of_day / 60 % 60, 2);
  out.append(':');
  out.append_uint(seconds_of_day % 60, 2);
}

}  // namespace probebox
