#include "config/config_boot.h"

#include <cstring>

#include "config/config_parser.h"
#include "core/limits.h"

namespace probebox {

void load_boot_config(ConfigStore& store, std::string_view& text, Config& config, ConfigErrors& errors,
                      BootConfig& boot) {
  boot = BootConfig{};
  int slots[2] = {-1, -1};
  const int found = store.valid_slots(slots);
  FixedText<64> passed_over;  // "#7 (not valid)" for the note
  bool discarded = true;      // the unusable newer slot was erased
  for (int k = 0; k < found; ++k) {
    Status s = store.mapped_slot(slots[k], text);
    const uint32_t sequence = store.sequence();
    const char* why = nullptr;
    if (!s.ok()) {
      continue;  // unreadable just now: nothing known against it, so it stays
    } else if (text.size() > PROBEBOX_MAX_CONFIG_BYTES) {
      why = "larger than 64 KiB";
    } else if (!parse_config_in_place(text, config, errors).ok()) {
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
    load_factory_config(text, config, errors);
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

void load_factory_config(std::string_view& text, Config& config, ConfigErrors& errors) {
  text = kFactoryConfig;
  // A constant that parses (BootConfigTest.EmptyFlashIsTheFactoryConfigWithoutANote
  // holds it): the result has nothing left to say.
  (void)parse_config_in_place(kFactoryConfig, config, errors);
}

Status adopt_given_config(std::string_view text, ConfigStore* store, Config& config, ConfigErrors& errors,
                          std::string_view& in_use) {
  if (Status s = parse_config_in_place(text, config, errors); !s.ok()) return s;
  in_use = text;
  if (store == nullptr) return Status();
  if (!store->holds(text)) {
    if (Status s = store->save(text); !s.ok()) return s;
  }
  // The box runs on the stored copy, read in place, as after a restart.
  std::string_view stored;
  if (store->mapped(stored).ok() && stored == text) {
    in_use = stored;
    config.move_text(stored);  // the strings read in place are the stored copy's from now on
  }
  return Status();
}

Status adopt_given_config(ConfigSource& source, size_t length, ConfigStore& store, Config& config, ConfigErrors& errors,
                          std::string_view& in_use) {
  char piece[256];
  std::string_view newest;
  bool same = store.mapped(newest).ok() && newest.size() == length;
  for (size_t done = 0; same && done < length;) {
    const size_t n = length - done < sizeof(piece) ? length - done : sizeof(piece);
    if (!source.read(done, {piece, n})) return StatusCode::kDataLoss;
    same = std::memcmp(piece, newest.data() + done, n) == 0;
    done += n;
  }
  if (same) {
    in_use = newest;
    return parse_config_in_place(newest, config, errors);
  }
  if (length > PROBEBOX_MAX_CONFIG_BYTES) return StatusCode::kResourceExhausted;
  if (Status s = store.begin_write(length); !s.ok()) return s;
  for (size_t done = 0; done < length;) {
    const size_t n = length - done < sizeof(piece) ? length - done : sizeof(piece);
    if (!source.read(done, {piece, n})) return StatusCode::kDataLoss;
    if (Status s = store.write_more({piece, n}); !s.ok()) return s;
    done += n;
  }
  const std::string_view written = store.written();
  if (written.size() != length) return StatusCode::kUnimplemented;  // flash not memory-mapped
  // Validated where it lies; committed (made the newest) only when valid.
  if (Status s = parse_config_in_place(written, config, errors); !s.ok()) return s;
  if (Status s = store.commit(); !s.ok()) return s;
  if (Status s = store.mapped(in_use); !s.ok() || in_use != written) return s.ok() ? StatusCode::kDataLoss : s;
  config.move_text(in_use);  // the same bytes: the slot just committed
  return Status();
}

}  // namespace probebox
