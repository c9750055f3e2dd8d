// A result's details object as the documents write it, for assertions.
#pragma once
#include <string>

#include "core/json_writer.h"
#include "core/result_details.h"

namespace probebox::testing {

inline std::string details_json(const DetailsView& d) {
  FixedText<4096> out;
  JsonWriter w(out);
  write_result_details(w, d);
  return std::string(out.view());
}
inline std::string details_json(const ProbeResult& r) { return details_json(r.details.view()); }

}  // namespace probebox::testing
