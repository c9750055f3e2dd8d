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

Status parse_config(std::string_view json, Config& out, ConfigErrors& errors);

}  // namespace probebox
