#include "alerts/snmp_agent.h"

#include <cstring>

#include "alerts/snmp_transport.h"
#include "alerts/snmp_usm.h"
#include "config/config_parser.h"
#include "lwip/apps/snmp.h"
#include "lwip/apps/snmp_core.h"
#include "lwip/apps/snmp_mib2.h"
#include "lwip/apps/snmp_scalar.h"
#include "lwip/apps/snmp_snmpv2_framework.h"
#include "lwip/apps/snmp_table.h"
#include "lwip/apps/snmpv3.h"

namespace probebox {
namespace snmp_mib {

int32_t state_code(Outcome o) { return static_cast<int32_t>(o); }

int32_t cert_days_left(const CheckHealth& h, CheckType type) {
  return h.has_result ? cert_days_left(h.last.details(), type) : -1;
}

int32_t cert_days_left(const DetailsView& details, CheckType type) {
  if (type != CheckType::kTlsCert) return -1;
  const TlsCertDetails* d = details.tls_cert();
  return d != nullptr && d->examined && d->dated ? d->days_left : -1;
}

}  // namespace snmp_mib

namespace {

// 1.3.6.1.4.1.99999: an unregistered enterprise number (see docs/PROBEBOX-MIB.txt).
constexpr u32_t kEnterprise = 99999;
const HealthModel* g_health = nullptr;
const Config* g_config = nullptr;
// Text cells are handed to lwIP by pointer; it copies them into the response
// before the next cell is asked for.
char g_cell[SNMP_MAX_OCTET_STRING_LEN + 1];

enum Column : u32_t { kId = 2, kType = 3, kGroup = 4, kState = 5, kLatency = 6, kSummary = 7, kDaysLeft = 8 };

snmp_err_t cell(u32_t column, u32_t row, union snmp_variant_value* value, u32_t* value_len) {
  if (g_health == nullptr || g_config == nullptr || row < 1 || row > g_health->check_count() ||
      row > g_config->check_count) {
    return SNMP_ERR_NOSUCHINSTANCE;
  }
  const CheckConfig& c = g_config->checks[row - 1];
  const CheckHealth& h = g_health->check(static_cast<uint16_t>(row - 1));
  auto text = [&](std::string_view s) {
    size_t n = s.size() < SNMP_MAX_OCTET_STRING_LEN ? s.size() : SNMP_MAX_OCTET_STRING_LEN;
    std::memcpy(g_cell, s.data(), n);
    value->const_ptr = g_cell;
    *value_len = static_cast<u32_t>(n);
  };
  switch (column) {
    case kId: text(g_config->text(c.id)); break;
    case kType: text(check_type_name(c.type)); break;
    case kGroup: text(group_name(c.group)); break;
    case kState: value->s32 = snmp_mib::state_code(h.has_result ? h.hard : Outcome::kUnknown); break;
    case kLatency: value->u32 = static_cast<u32_t>(h.last.latency_us / 1000); break;
    case kSummary: text(h.has_result ? h.last.summary() : std::string_view("not run yet")); break;
    case kDaysLeft: value->s32 = snmp_mib::cert_days_left(h, c.type); break;
    default: return SNMP_ERR_NOSUCHINSTANCE;
  }
  return SNMP_ERR_NOERROR;
}

snmp_err_t get_cell(const u32_t* column, const u32_t* row_oid, u8_t row_oid_len, union snmp_variant_value* value,
                    u32_t* value_len) {
  if (row_oid_len != 1) return SNMP_ERR_NOSUCHINSTANCE;
  return cell(*column, row_oid[0], value, value_len);
}

snmp_err_t get_next_cell(const u32_t* column, struct snmp_obj_id* row_oid, union snmp_variant_value* value,
                         u32_t* value_len) {
  // One index: the row after the given one (the first for an empty or zero OID).
  u32_t row = row_oid->len == 0 ? 1 : row_oid->id[0] + 1;
  if (row_oid->len > 0 && row_oid->id[0] == 0) row = 1;
  snmp_err_t err = cell(*column, row, value, value_len);
  if (err != SNMP_ERR_NOERROR) return err;
  snmp_oid_assign(row_oid, &row, 1);
  return SNMP_ERR_NOERROR;
}

const struct snmp_table_simple_col_def kColumns[] = {
    {kId, SNMP_ASN1_TYPE_OCTET_STRING, SNMP_VARIANT_VALUE_TYPE_CONST_PTR},
    {kType, SNMP_ASN1_TYPE_OCTET_STRING, SNMP_VARIANT_VALUE_TYPE_CONST_PTR},
    {kGroup, SNMP_ASN1_TYPE_OCTET_STRING, SNMP_VARIANT_VALUE_TYPE_CONST_PTR},
    {kState, SNMP_ASN1_TYPE_INTEGER, SNMP_VARIANT_VALUE_TYPE_S32},
    {kLatency, SNMP_ASN1_TYPE_GAUGE, SNMP_VARIANT_VALUE_TYPE_U32},
    {kSummary, SNMP_ASN1_TYPE_OCTET_STRING, SNMP_VARIANT_VALUE_TYPE_CONST_PTR},
    {kDaysLeft, SNMP_ASN1_TYPE_INTEGER, SNMP_VARIANT_VALUE_TYPE_S32},
};
const struct snmp_table_simple_node kCheckTable =
    SNMP_TABLE_CREATE_SIMPLE(3, kColumns, get_cell, get_next_cell);

s16_t get_overall(struct snmp_node_instance*, void* value) {
  *static_cast<s32_t*>(value) = g_health == nullptr ? 3 : snmp_mib::state_code(g_health->overall());
  return sizeof(s32_t);
}

s16_t get_check_count(struct snmp_node_instance*, void* value) {
  *static_cast<s32_t*>(value) = g_health == nullptr ? 0 : g_health->check_count();
  return sizeof(s32_t);
}

// probeboxObjects (.1): overallState .1.1, checkCount .1.2, checkTable .1.3.
const struct snmp_scalar_node kOverall = SNMP_SCALAR_CREATE_NODE_READONLY(1, SNMP_ASN1_TYPE_INTEGER, get_overall);
const struct snmp_scalar_node kCount = SNMP_SCALAR_CREATE_NODE_READONLY(2, SNMP_ASN1_TYPE_INTEGER, get_check_count);
const struct snmp_node* const kObjectsChildren[] = {&kOverall.node.node, &kCount.node.node, &kCheckTable.node.node};
const struct snmp_tree_node kObjects = SNMP_CREATE_TREE_NODE(1, kObjectsChildren);
const struct snmp_node* const kRootChildren[] = {&kObjects.node};
const struct snmp_tree_node kRoot = SNMP_CREATE_TREE_NODE(kEnterprise, kRootChildren);
const u32_t kBaseOid[] = {1, 3, 6, 1, 4, 1, kEnterprise};
const struct snmp_mib kProbeboxMib = SNMP_MIB_CREATE(kBaseOid, &kRoot.node);
// SNMP-FRAMEWORK-MIB's snmpEngine group lets an NMS read the engine ID, boots and time.
const struct snmp_mib* kMibs[] = {&mib2, &snmpframeworkmib, &kProbeboxMib};

// checkStateChange is { probeboxNotifications 0 1 }: as an SNMPv1 trap, enterprise
// probeboxNotifications, specific 1 (RFC 3584's mapping).
const struct snmp_obj_id kTrapEnterprise = {8, {1, 3, 6, 1, 4, 1, kEnterprise, 2}};

// lwIP keeps pointers to these. With v2c off, the read community is a random token
// nobody is told: lwIP's v3 path passes its own community check with it, and v1/v2c
// requests are refused by version before any community is compared.
char g_read_community[SNMP_MAX_COMMUNITY_STR_LEN + 1];
char g_trap_community[SNMP_MAX_COMMUNITY_STR_LEN + 1] = "public";
bool g_v2c = false;

// SNMPv3: one USM user, authPriv (SHA + AES). lwIP's bound on a user name.
constexpr size_t kV3MaxUserLength = 32;
struct V3User {
  bool configured = false;
  bool ready = false;  // keys localized
  char name[kV3MaxUserLength + 1] = {};
  size_t name_length = 0;
  snmp_usm::Key auth_key{};
  snmp_usm::Key priv_key{};
};
V3User g_v3;
snmp_usm::KeyLocalizer g_auth_localizer, g_priv_localizer;
snmp_usm::EngineId g_engine;
uint32_t g_engine_boots = 1;
const hal::Clock* g_clock = nullptr;
hal::MonoMicros g_engine_time_origin = 0;

void copy_text(std::string_view from, char* to, size_t capacity) {
  size_t n = from.size() < capacity - 1 ? from.size() : capacity - 1;
  std::memcpy(to, from.data(), n);
  to[n] = '\0';
}

void random_community() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (size_t i = 0; i < SNMP_MAX_COMMUNITY_STR_LEN; ++i) {
    g_read_community[i] = kAlphabet[LWIP_RAND() % (sizeof(kAlphabet) - 1)];
  }
  g_read_community[SNMP_MAX_COMMUNITY_STR_LEN] = '\0';
}

}  // namespace

void SnmpAgent::start(const HealthModel& health, const hal::Clock& clock, uint32_t engine_boots,
                      const hal::MacAddress& mac) {
  g_health = &health;
  g_clock = &clock;
  g_engine_time_origin = clock.now();
  g_engine_boots = engine_boots == 0 ? 1 : engine_boots;
  g_engine = snmp_usm::engine_id_from_mac(kEnterprise, mac);
  // Nothing answers until configure() says what may.
  snmp_v1_enable(0);
  snmp_v2c_enable(0);
  snmp_v3_enable(0);
  random_community();
  snmp_set_mibs(kMibs, LWIP_ARRAYSIZE(kMibs));
  snmp_set_community(g_read_community);
  snmp_set_community_write("");  // every object is read-only, whatever the community
  snmp_set_community_trap(g_trap_community);
  started_ = snmp_transport::start(kAgentPort);
}

bool SnmpAgent::v2c_enabled() const { return g_v2c; }
bool SnmpAgent::v3_ready() const { return g_v3.ready; }

bool SnmpAgent::localizing_keys() const { return g_v3.configured && !g_v3.ready; }

bool SnmpAgent::idle(const EventLog& log) const {
  return !localizing_keys() && next_sequence_ == log.total();  // sequences wrap
}

void SnmpAgent::configure(const Config& config) {
  config_ = &config;
  g_config = &config;
  // MIB-2 system group: the box's name and where it is racked.
  static u8_t name[64], location[64];
  static u16_t name_len, location_len;
  auto copy = [](std::string_view from, u8_t* to, u16_t& len) {
    len = static_cast<u16_t>(from.size() < 64 ? from.size() : 64);
    std::memcpy(to, from.data(), len);
  };
  copy(config.device_name.empty() ? std::string_view("probebox") : config.text(config.device_name), name, name_len);
  copy(config.text(config.device_location), location, location_len);
  snmp_mib2_set_sysname_readonly(name, &name_len);
  snmp_mib2_set_syslocation_readonly(location, &location_len);

  const AlertsConfig& a = config.alerts;
  // v2c: only with a community of its own; SNMPv1 never.
  g_v2c = !a.snmp_community.empty();
  if (g_v2c) copy_text(config.text(a.snmp_community), g_read_community, sizeof(g_read_community));
  else random_community();
  snmp_v1_enable(0);
  snmp_v2c_enable(g_v2c ? 1 : 0);
  copy_text(a.snmp_trap_community.empty() ? std::string_view("public") : config.text(a.snmp_trap_community),
            g_trap_community, sizeof(g_trap_community));

  // v3: off until the new user's keys are localized (step()).
  snmp_v3_enable(0);
  g_auth_localizer.clear();
  g_priv_localizer.clear();
  g_v3 = V3User{};
  if (!a.snmp_v3_user.empty()) {
    copy_text(config.text(a.snmp_v3_user), g_v3.name, sizeof(g_v3.name));
    g_v3.name_length = std::strlen(g_v3.name);
    g_v3.configured = g_auth_localizer.begin(config.text(a.snmp_v3_auth_password), g_engine) &&
                      g_priv_localizer.begin(config.text(a.snmp_v3_priv_password), g_engine);
  }
  snmp_transport::set_answering(g_v2c || g_v3.configured);

  ip_addr_t addresses[kMaxTrapTargets];
  uint16_t ports[kMaxTrapTargets];
  targets_ = 0;
  static_assert(kMaxTrapTargets == AlertsConfig::kMaxTrapTargets, "the config keeps as many as the agent sends to");
  // Split at load: the IPv4 literals of trap_to (a name would need DNS here).
  for (uint8_t i = 0; i < config.alerts.trap_target_count && targets_ < kMaxTrapTargets; ++i) {
    ip_addr_set_ip4_u32(&addresses[targets_], lwip_htonl(config.alerts.trap_targets[i].ip));
    ports[targets_] = config.alerts.trap_targets[i].port;
    ++targets_;
  }
  for (int i = 0; i < SNMP_TRAP_DESTINATIONS; ++i) {
    snmp_trap_dst_enable(static_cast<u8_t>(i), i < targets_ ? 1 : 0);
    if (i < targets_) snmp_trap_dst_ip_set(static_cast<u8_t>(i), &addresses[i]);
  }
  snmp_transport::set_trap_ports(addresses, ports, targets_);
}

void SnmpAgent::step(const EventLog& log) {
  if (g_v3.configured && !g_v3.ready && g_clock != nullptr) {
    // One key at a time, in 4 KiB slices until this step's time is used up: the
    // host finishes in a step or two, a 25 MHz Cortex-M4 over a few hundred.
    const hal::MonoMicros deadline = g_clock->now() + kKeyMicrosPerStep;
    bool auth = false, priv = false;
    do {
      auth = g_auth_localizer.step(kKeyBytesPerSlice);
      priv = auth && g_priv_localizer.step(kKeyBytesPerSlice);
    } while (!(auth && priv) && g_clock->now() < deadline);
    if (auth && priv) {
      g_v3.auth_key = g_auth_localizer.key();
      g_v3.priv_key = g_priv_localizer.key();
      g_auth_localizer.clear();
      g_priv_localizer.clear();
      g_v3.ready = true;
      snmp_v3_enable(1);
    }
  }
  if (!started_ || targets_ == 0) {
    next_sequence_ = log.total();
    return;
  }
  log.catch_up(next_sequence_);
  for (int n = 0; n < 4 && log.readable(next_sequence_); ++n, ++next_sequence_) {
    const Event& e = log.at_sequence(next_sequence_);
    if (e.maintenance || e.previous_boot) continue;
    // Varbinds: checkId, checkState, checkGroup, checkSummary of the row in the table.
    const CheckConfig* c = config_->find_check(e.check_id.view());
    static char group[16];
    std::string_view g = c == nullptr ? std::string_view("-") : group_name(c->group);
    std::memcpy(group, g.data(), g.size());
    u32_t row = c == nullptr ? 0 : static_cast<u32_t>(c - config_->checks.data()) + 1;
    struct snmp_varbind vb[4];
    std::memset(vb, 0, sizeof(vb));
    const u32_t columns[4] = {kId, kState, kGroup, kSummary};
    s32_t state = snmp_mib::state_code(e.to);
    for (int i = 0; i < 4; ++i) {
      const u32_t oid[] = {1, 3, 6, 1, 4, 1, kEnterprise, 1, 3, 1, columns[i], row};
      snmp_oid_assign(&vb[i].oid, oid, LWIP_ARRAYSIZE(oid));
      if (i > 0) vb[i - 1].next = &vb[i];
      vb[i].prev = i > 0 ? &vb[i - 1] : nullptr;
    }
    vb[0].type = SNMP_ASN1_TYPE_OCTET_STRING;
    vb[0].value = const_cast<char*>(e.check_id.c_str());
    vb[0].value_len = static_cast<u16_t>(e.check_id.size());
    vb[1].type = SNMP_ASN1_TYPE_INTEGER;
    vb[1].value = &state;
    vb[1].value_len = sizeof(state);
    vb[2].type = SNMP_ASN1_TYPE_OCTET_STRING;
    vb[2].value = group;
    vb[2].value_len = static_cast<u16_t>(g.size());
    vb[3].type = SNMP_ASN1_TYPE_OCTET_STRING;
    vb[3].value = const_cast<char*>(e.summary.c_str());
    vb[3].value_len = static_cast<u16_t>(e.summary.size());
    snmp_transport::begin_trap();
    if (snmp_send_trap(&kTrapEnterprise, SNMP_GENTRAP_ENTERPRISE_SPECIFIC, 1, vb) == ERR_OK) ++traps_sent_;
    else ++traps_failed_;
  }
}

}  // namespace probebox

// lwIP's SNMPv3 callbacks (lwip/apps/snmpv3.h): one engine, one user.
extern "C" {

void snmpv3_get_engine_id(const char** id, u8_t* len) {
  *id = reinterpret_cast<const char*>(probebox::g_engine.bytes.data());
  *len = probebox::g_engine.length;
}

// The engine ID is the box's: not settable over SNMP.
err_t snmpv3_set_engine_id(const char*, u8_t) { return ERR_ARG; }

u32_t snmpv3_get_engine_boots(void) { return probebox::g_engine_boots; }
void snmpv3_set_engine_boots(u32_t boots) { probebox::g_engine_boots = boots; }

u32_t snmpv3_get_engine_time(void) {
  if (probebox::g_clock == nullptr) return 0;
  return static_cast<u32_t>((probebox::g_clock->now() - probebox::g_engine_time_origin) / 1'000'000);
}

void snmpv3_reset_engine_time(void) {
  if (probebox::g_clock != nullptr) probebox::g_engine_time_origin = probebox::g_clock->now();
}

// ERR_VAL for anyone but the configured user (lwIP answers usmStatsUnknownUserNames).
// lwIP's user-name buffer is not terminated when the name fills it: bounded here.
err_t snmpv3_get_user(const char* username, snmpv3_auth_algo_t* auth_algo, u8_t* auth_key,
                      snmpv3_priv_algo_t* priv_algo, u8_t* priv_key) {
  const probebox::V3User& u = probebox::g_v3;
  if (!u.ready || username == nullptr) return ERR_VAL;
  size_t n = 0;
  while (n < probebox::kV3MaxUserLength && username[n] != '\0') ++n;
  if (n != u.name_length || std::memcmp(username, u.name, n) != 0) return ERR_VAL;
  if (auth_algo != nullptr) *auth_algo = SNMP_V3_AUTH_ALGO_SHA;
  if (auth_key != nullptr) std::memcpy(auth_key, u.auth_key.data(), u.auth_key.size());
  if (priv_algo != nullptr) *priv_algo = SNMP_V3_PRIV_ALGO_AES;
  if (priv_key != nullptr) std::memcpy(priv_key, u.priv_key.data(), 16);  // AES-128
  return ERR_OK;
}

// For lwIP's USM MIB, which is linked but not served (its user table would name the
// v3 user to any reader).
u8_t snmpv3_get_amount_of_users(void) { return probebox::g_v3.ready ? 1 : 0; }

err_t snmpv3_get_username(char* username, u8_t index) {
  if (index != 0 || !probebox::g_v3.ready) return ERR_VAL;
  std::memcpy(username, probebox::g_v3.name, probebox::g_v3.name_length + 1);
  return ERR_OK;
}

err_t snmpv3_get_user_storagetype(const char* username, snmpv3_user_storagetype_t* storagetype) {
  if (snmpv3_get_user(username, nullptr, nullptr, nullptr, nullptr) != ERR_OK) return ERR_VAL;
  *storagetype = SNMP_V3_USER_STORAGETYPE_READONLY;
  return ERR_OK;
}

}  // extern "C"
