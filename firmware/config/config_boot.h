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

// Points `text` at the newest usable slot where it lies in memory-mapped flash
// (ConfigStore::mapped_slot(): no copy) and parses it into `config`, else the
// factory config. A newer slot that passed its CRC but could not be used is
// discarded (ConfigStore::discard_slot) so the next save lands on it, never on the
// slot in use; a slot that could not be read is left alone (a read error says
// nothing about the config). On a flash that is not memory-mapped no slot can be
// read so: the factory config.
void load_boot_config(ConfigStore& store, std::string_view& text, Config& config, ConfigErrors& errors,
                      BootConfig& boot);

// The factory config into `text` (a constant) and `config` (a board without flash).
void load_factory_config(std::string_view& text, Config& config, ConfigErrors& errors);

// A config given at start: parsed into `config` (kInvalidArgument with `errors`
// filled when it is not valid) and, with a `store`, stored when it differs from the
// newest stored config, so a restart with the same file wears nothing (the
// store's status when that fails). `in_use`: the text the box then runs on, the
// stored slot where it lies when there is a store, else `text`.
Status adopt_given_config(std::string_view text, ConfigStore* store, Config& config, ConfigErrors& errors,
                          std::string_view& in_use);

// The same for a file a board reads a piece at a time, straight into the store's
// free slot (no RAM holds it): compared with the newest stored config first, written
// and validated in the slot when it differs, and committed only when valid.
class ConfigSource {
 public:
  // The `out.size()` bytes at `offset`; false on a read error.
  virtual bool read(size_t offset, std::span<char> out) = 0;

 protected:
  ~ConfigSource() = default;
};
Status adopt_given_config(ConfigSource& source, size_t length, ConfigStore& store, Config& config, ConfigErrors& errors,
                          std::string_view& in_use);

}  // namespace probebox
