// JSON text -> validated Config (spec/config.md). Unknown keys are errors; every
// error is collected with its JSON path; on any error the output is unusable and
// the caller keeps its current config.
#pragma once
#include <string_view>

#include "config/config_errors.h"
#include "config/config_model.h"
#include "config/config_validators.h"  // the validators were declared here; users still include this
#include "core/status.h"

namespace probebox {

// Every string is copied into the config's arena: `json` may go once it returns.
Status parse_config(std::string_view json, Config& out, ConfigErrors& errors);

// The same, but a string with nothing to unescape is referred to where it lies in
// `json`, so the arena holds only the rest (escaped strings, what the appliance
// profile builds): the box's way, as `json` is then the stored slot in
// memory-mapped flash (ConfigStore::mapped_slot(); a save never writes the slot the
// box runs on) or a constant. `json` must stay unchanged, where it is, for as long
// as `out` (or a copy of it) is used.
Status parse_config_in_place(std::string_view json, Config& out, ConfigErrors& errors);

}  // namespace probebox
