// The `details` object of the result documents (/api/status, --once, /api/report's
// evidence), written from a result's typed facts (spec/checks.md lists the keys).
#pragma once
#include "core/json_writer.h"
#include "core/probe_result.h"

namespace probebox {

// A details object stays within this many characters: a tls_cert check's SAN list
// is cut (and says so, "sans_truncated") before the object would pass it.
inline constexpr size_t kDetailsBudgetChars = 896;

// Writes the details object ({} for a result without facts) as the next value;
// "details_truncated": true when the view says its record could not keep them all.
void write_result_details(JsonWriter& w, const DetailsView& d);
void write_result_details(JsonWriter& w, const ProbeResult& r);

}  // namespace probebox
