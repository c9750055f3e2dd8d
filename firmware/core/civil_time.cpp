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

int64_t unix_seconds_from_civil(int64_t year, int month, int day, int hour, int minute, int second) {
  // The year taken to start on 1 March puts the leap day last, so a day of the year
  // follows from the month by one formula; eras of 400 years repeat exactly.
  const int64_t y = month <= 2 ? year - 1 : year;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t year_of_era = y - era * 400;
  const int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  const int64_t days = era * 146097 + day_of_era - 719468;
  return days * 86400 + int64_t{hour} * 3600 + int64_t{minute} * 60 + second;
}

void append_hh_mm_ss(TextBuffer& out, uint32_t seconds_of_day) {
  out.append_uint(seconds_of_day / 3600, 2);
  out.append(':');
  out.append_uint(seconds_of_day / 60 % 60, 2);
  out.append(':');
  out.append_uint(seconds_of_day % 60, 2);
}

}  // namespace probebox
