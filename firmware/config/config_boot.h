// Which config a box boots with, the same on every board: a config given at start
// (a file named on the command line) when there is one, else the newest stored one
// that can actually be used, else the factory config. A slot can pass its CRC and
// still be unusable (not valid JSON, failing validation, larger than the box
// accepts); the box then runs on the older slot, not on the factory config, and
// says so in its event log.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "config/config_errors.h"
#include "config/config_model.h"
#include "config/config_store.h"
#include "core/text.h"

namespace probebox {

// No checks until an operator adds some.
inline constexpr std::string_view kFactoryConfig = "{\"schema\":1,\"device\":{\"name\":\"probebox\"}}";

struct BootConfig {
  enum class Source : uint8_t { kNewestSlot, kOlderSlot, kFactory };
  Source source = Source::kFactory;
  uint32_t sequence = 0;  // of the slot booted (0: factory)
  // What the event log and the console say when a stored config was passed over;
  // empty when the newest slot loaded or flash held none.
  FixedText<120> note;
};

// Fills `text`/`length` and `config` with the newest usable slot, else the
// factory config. A newer slot that passed its CRC but could not be used is
// discarded (ConfigStore::discard_slot) so the next save lands on it, never on the
// slot in use; a slot that could not be read is left alone (a read error says
// nothing about the config).
void load_boot_config(ConfigStore& store, std::span<char> text, size_t& length, Config& config, ConfigErrors& errors,
                      BootConfig& boot);

// The factory config into `text`/`length` and `config` (a board without flash).
void load_factory_config(std::span<char> text, size_t& length, Config& config, ConfigErrors& errors);

// A config given at start: parsed into `config` (kInvalidArgument with `errors`
// filled when it is not valid) and, with a `store`, stored when it differs from the
// newest stored config, so a restart with the same file wears nothing (the
// store's status when that fails).
Status adopt_given_config(std::string_view text, ConfigStore* store, Config& config, ConfigErrors& errors);

}  // namespace probebox
