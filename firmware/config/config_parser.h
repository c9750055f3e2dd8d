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

// Upper bound on JSON tokens in one document; a 64 KiB config of 128 checks needs
// about a quarter of it.
inline constexpr size_t kMaxConfigJsonTokens = 4096;

Status parse_config(std::string_view json, Config& out, ConfigErrors& errors);

}  // namespace probebox
