#include "config/config_boot.h"

#include <cstring>

#include "config/config_parser.h"

namespace probebox {

void load_boot_config(ConfigStore& store, std::span<char> text, size_t& length, Config& config, ConfigErrors& errors,
                      BootConfig& boot) {
  boot = BootConfig{};
  int slots[2] = {-1, -1};
  const int found = store.valid_slots(slots);
  FixedText<64> passed_over;  // "#7 (not valid)" for the note
  bool discarded = true;      // the unusable newer slot was erased
  for (int k = 0; k < found; ++k) {
    Status s = store.load_slot(slots[k], text, length);
    const uint32_t sequence = store.sequence();
    const char* why = nullptr;
    if (s.code() == StatusCode::kResourceExhausted) {
      why = "larger than 64 KiB";
    } else if (!s.ok()) {
      continue;  // unreadable just now: nothing known against it, so it stays
    } else if (!parse_config({text.data(), length}, config, errors).ok()) {
      why = "not a valid config";
    }
    if (why == nullptr) {
      boot.source = k == 0 ? BootConfig::Source::kNewestSlot : BootConfig::Source::kOlderSlot;
      boot.sequence = sequence;
      // Running on the older slot: the unusable newer one goes, so the next save
      // writes over it and not over this one.
      // If the erase fails, the next save replaces the slot in use: the note says so.
      if (k > 0) discarded = store.discard_slot(slots[0]).ok();
      break;
    }
    if (passed_over.empty()) passed_over.appendf("#%lu (%s)", static_cast<unsigned long>(sequence), why);
  }
  if (boot.source == BootConfig::Source::kFactory) {
    // Nothing usable: both slots stay as they are (a firmware that can read them
    // may come back), and the box runs without checks.
    load_factory_config(text, length, config, errors);
  }
  if (!passed_over.empty()) {
    boot.note.append("stored config ");
    boot.note.append(passed_over.view());
    if (boot.source == BootConfig::Source::kFactory) {
      boot.note.append(" cannot be used; running the factory config");
    } else if (!discarded) {
      boot.note.appendf(" cannot be used nor erased; running #%lu, which the next save replaces",
                        static_cast<unsigned long>(boot.sequence));
    } else {
      boot.note.appendf(" cannot be used and was discarded; running the previous one, #%lu",
                        static_cast<unsigned long>(boot.sequence));
    }
  }
}

void load_factory_config(std::span<char> text, size_t& length, Config& config, ConfigErrors& errors) {
  length = kFactoryConfig.size() <= text.size() ? kFactoryConfig.size() : 0;
  std::memcpy(text.data(), kFactoryConfig.data(), length);
  // A constant that parses (BootConfigTest.EmptyFlashIsTheFactoryConfigWithoutANote
  // holds it): the result has nothing left to say.
  (void)parse_config(kFactoryConfig, config, errors);
}

Status adopt_given_config(std::string_view text, ConfigStore* store, Config& config, ConfigErrors& errors) {
  if (Status s = parse_config(text, config, errors); !s.ok()) return s;
  if (store == nullptr || store->holds(text)) return Status();
  return store->save(text);
}

}  // namespace probebox
