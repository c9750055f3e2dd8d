// parse_config(): check the document and its keys, read the document's top level; the
// sections, checks and values are read in the files config_reader.h lists.
#include "config/config_parser.h"

#include "config/config_reader.h"

namespace probebox {
namespace config_parse {

void ConfigReader::root() {
  if (kind(root_) != json::Kind::kObject) {
    error("the document must be a JSON object");
    return;
  }
  // Defaults first: checks inherit them wherever they stand in the document.
  int defaults = find_member(root_, "defaults");
  if (defaults >= 0) {
    PathScope scope(*this, "defaults");
    members(defaults, [&](std::string_view key, int v) {
      if (!tunable(key, v, c_.defaults)) error("unknown key");
    });
    cross_check_tunables(c_.defaults);
  }
  bool have_schema = false;
  members(root_, [&](std::string_view key, int v) {
    int64_t n;
    if (key == "schema") {
      have_schema = true;
      if (integer(v, 1, 1, n)) c_.schema = 1;
    } else if (key == "device") {
      device(v);
    } else if (key == "network") {
      network(v);
    } else if (key == "defaults") {
      // done above
    } else if (key == "trust_anchors_pem") {
      if (string(v, c_.trust_anchors_pem, 32768, true, true) && !c_.trust_anchors_pem.empty() &&
          c_.text(c_.trust_anchors_pem).find("-----BEGIN CERTIFICATE-----") == std::string_view::npos) {
        error("must hold PEM certificates");
      }
    } else if (key == "checks") {
      elements(v, [&](size_t index, int w) { check(index, w); });
    } else if (key == "alerts") {
      alerts(v);
    } else if (key == "appliance") {
      appliance(v);
    } else if (key == "maintenance") {
      maintenance(v);
    } else {
      error("unknown key");
    }
  });
  if (!have_schema) {
    PathScope scope(*this, "schema");
    error("required (1)");
  }
  // Explicit checks first, so that one with a generated id overrides it.
  if (e_.empty()) expand_appliance(profile, c_, e_);
  cross_check_checks();
}

}  // namespace config_parse

namespace {

Status parse(std::string_view json, Config& out, ConfigErrors& errors, bool in_place) {
  errors.clear();
  out.reset();
  if (json.size() > PROBEBOX_MAX_CONFIG_BYTES) {
    errors.add("", "config larger than 64 KiB");
    return StatusCode::kInvalidArgument;
  }
  if (in_place) out.read_in_place(json);
  int root = config_parse::check_document(json, errors);
  if (root < 0) return StatusCode::kInvalidArgument;
  config_parse::ConfigReader parser(json, root, out, errors);
  parser.root();
  return errors.empty() ? Status() : Status(StatusCode::kInvalidArgument);
}

}  // namespace

Status parse_config(std::string_view json, Config& out, ConfigErrors& errors) {
  return parse(json, out, errors, false);
}

Status parse_config_in_place(std::string_view json, Config& out, ConfigErrors& errors) {
  return parse(json, out, errors, true);
}

}  // namespace probebox
