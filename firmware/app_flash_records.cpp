// What the box keeps in flash besides the config: the SNMP engine's boot counter,
// the admin credentials, and the event log.
#include "app.h"

#include "config/config_store.h"
#include "config/flash_layout.h"
#include "net/platform_hooks.h"

namespace probebox {

void App::persist_events() {
  // A few per step: a burst of changes is written over the next steps, and the
  // ring in RAM (64) is far deeper than one step's worth.
  const EventLog& log = health_.events();
  log.catch_up(events_persisted_);
  for (int n = 0; n < 4 && log.readable(events_persisted_); ++n, ++events_persisted_) {
    // A failed write is counted by the store (EventStore::failed()) and the
    // event stays in RAM and in the documents; retrying would wear a failing part.
    (void)event_store_.append(log.at_sequence(events_persisted_));
  }
}

uint32_t App::next_engine_boots() {
  // Counted across restarts so an SNMPv3 message recorded before one cannot be
  // replayed after it (the engine time restarts at 0). Without flash: 1.
  if (board_.flash == nullptr) return 1;
  ConfigStore store(*board_.flash, flash_layout::kSnmpEngineSlotSectors, flash_layout::kSnmpEngineFirstSector,
                    flash_layout::kSnmpEngineMagic);
  char record[4] = {};
  size_t length = 0;
  uint32_t boots = 0;
  if (store.load(record, length).ok() && length == sizeof(record)) {
    for (int i = 0; i < 4; ++i) boots = boots << 8 | static_cast<uint8_t>(record[i]);
  }
  // RFC 3414: 2147483647 is the last value; the engine then needs a new ID.
  if (boots < 2147483647u) ++boots;
  for (int i = 0; i < 4; ++i) record[i] = static_cast<char>(boots >> (24 - 8 * i));
  if (!store.save({record, sizeof(record)}).ok()) {
    probebox_platform_log("probebox: could not store the SNMP engine boots\n");
  }
  return boots;
}

void App::load_credentials() {
  AdminCredentials stored;
  bool have = false;
  if (board_.flash != nullptr) {
    char record[AdminCredentials::kRecordBytes];
    size_t length = 0;
    ConfigStore store(*board_.flash, flash_layout::kCredentialsSlotSectors, flash_layout::kCredentialsFirstSector,
                      flash_layout::kCredentialsMagic);
    have = store.load(record, length).ok() && stored.decode({record, length});
  }
  api_.auth().begin(board_.entropy, have ? &stored : nullptr, initial_password_.view());
  if (have) initial_password_.clear();  // the LCD stops showing it
}

Status App::store_credentials(const AdminCredentials& credentials) {
  if (board_.flash == nullptr) return StatusCode::kFailedPrecondition;
  std::array<uint8_t, AdminCredentials::kRecordBytes> record{};
  credentials.encode(record);
  ConfigStore store(*board_.flash, flash_layout::kCredentialsSlotSectors, flash_layout::kCredentialsFirstSector,
                    flash_layout::kCredentialsMagic);
  Status s = store.save({reinterpret_cast<const char*>(record.data()), record.size()});
  if (s.ok()) initial_password_.clear();
  return s;
}

}  // namespace probebox
