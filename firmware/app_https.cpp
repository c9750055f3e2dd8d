// The web UI over HTTPS: the box's own key and certificate (made on first boot,
// kept in flash so the fingerprint survives restarts), the listener, and an
// operator's replacement from the web UI.
#include "app.h"

#include "config/config_store.h"
#include "config/flash_layout.h"
#include "core/json_writer.h"
#include "mbedtls/platform.h"
#include "net/platform_hooks.h"
#include "net/tls_memory.h"

namespace probebox {
namespace {

// The identity record while it is read or made: in the mbedTLS arena for the length
// of the call, never held.
class RecordBuffer {
 public:
  explicit RecordBuffer(size_t size) : data_(static_cast<uint8_t*>(mbedtls_calloc(1, size))), size_(size) {}
  ~RecordBuffer() {
    if (data_ == nullptr) return;
    for (size_t i = 0; i < size_; ++i) data_[i] = 0;  // it held a private key
    mbedtls_free(data_);
  }
  RecordBuffer(const RecordBuffer&) = delete;
  RecordBuffer& operator=(const RecordBuffer&) = delete;
  bool ok() const { return data_ != nullptr; }
  std::span<uint8_t> span() { return {data_, size_}; }
  char* chars() { return reinterpret_cast<char*>(data_); }

 private:
  uint8_t* data_;
  size_t size_;
};

// An uploaded identity goes straight into the flash slot the store writes next.
class FlashRecordSink final : public net::RecordSink {
 public:
  explicit FlashRecordSink(ConfigStore& store) : store_(store) {}
  Status begin(size_t length) override { return store_.begin_write(length); }
  Status write(std::span<const uint8_t> bytes) override {
    return store_.write_more({reinterpret_cast<const char*>(bytes.data()), bytes.size()});
  }

 private:
  ConfigStore& store_;
};

ConfigStore identity_store(hal::FlashStore& flash) {
  return ConfigStore(flash, flash_layout::kTlsIdentitySlotSectors, flash_layout::kTlsIdentityFirstSector,
                     flash_layout::kTlsIdentityMagic);
}

}  // namespace

bool App::load_tls_identity() {
  if (board_.flash == nullptr) return false;
  ConfigStore store = identity_store(*board_.flash);
  // Parsed where it lies when the flash is memory-mapped: a RAM copy beside the parse
  // of an RSA key would not fit the shared pool.
  std::string_view in_place;
  Status mapped = store.mapped(in_place);
  if (mapped.ok()) {
    return tls_identity_.load({reinterpret_cast<const uint8_t*>(in_place.data()), in_place.size()}).ok();
  }
  if (mapped.code() != StatusCode::kUnimplemented) return false;
  RecordBuffer record(net::kTlsIdentityRecordBytes);
  if (!record.ok()) return false;
  size_t length = 0;
  if (!store.load({record.chars(), net::kTlsIdentityRecordBytes}, length).ok()) return false;
  return tls_identity_.load(record.span().first(length)).ok();
}

void App::step_https() {
  if (board_.https_port == 0 || mode_ == RunMode::kOnce) return;
  if (!https_tried_ && netif_.has_address()) {
    https_tried_ = true;
    if (!load_tls_identity()) {
      // First boot (or after a factory reset): a fresh key and a certificate for
      // the box's name and its address, kept in flash.
      RecordBuffer record(net::kSelfSignedRecordBytes);
      size_t length = 0;
      ip4_addr_t a = netif_.address();
      std::string_view name = config_.device_name.empty() ? std::string_view("probebox") : config_.text(config_.device_name);
      Status made = record.ok() ? net::make_self_signed_identity(name, lwip_ntohl(ip4_addr_get_u32(&a)), record.span(), length)
                                : Status(StatusCode::kResourceExhausted);
      if (made.ok() && board_.flash != nullptr) {
        ConfigStore store = identity_store(*board_.flash);
        if (!store.save({record.chars(), length}).ok()) {
          probebox_platform_log("probebox: could not store the HTTPS certificate; a new one comes at the next start\n");
        }
      }
      if (!made.ok() || !tls_identity_.load(record.span().first(length)).ok()) {
        probebox_platform_log("probebox: no HTTPS certificate could be made; the web UI stays on plain HTTP\n");
        return;
      }
    }
    const uint16_t public_port = board_.https_public_port != 0 ? board_.https_public_port : board_.https_port;
    https_ok_ = web_.start_tls(board_.https_port, tls_identity_.ssl_config());
    if (!https_ok_) {
      probebox_platform_log("probebox: cannot listen on port %u for HTTPS; the web UI stays on plain HTTP\n",
                            static_cast<unsigned>(board_.https_port));
      return;
    }
    web_.set_https_redirect(public_port);
  } else if (tls_identity_pending_ && web_.tls_sessions_active() == 0) {
    // An uploaded identity, once no session uses the old one.
    tls_identity_pending_ = false;
    if (!load_tls_identity()) {
      probebox_platform_log("probebox: the uploaded HTTPS certificate could not be loaded back from flash\n");
      web_.hold_tls(false);
      return;
    }
    web_.set_tls_config(tls_identity_.ssl_config());
    web_.hold_tls(false);
  } else {
    return;
  }
  // The console stands in for the LCD page, which shows the same digest.
  tls_fingerprint_hex_.clear();
  for (char c : tls_identity_.fingerprint().view()) {
    if (c != ':') tls_fingerprint_hex_.append(c);
  }
  probebox_platform_log("probebox: HTTPS certificate SHA-256 fingerprint %s\n", tls_identity_.fingerprint().c_str());
  probebox_platform_log("probebox: HTTPS public key pin (SPKI SHA-256, base64) %s\n", tls_identity_.spki_pin().c_str());
}

Status App::install_tls_identity(std::string_view pem, TextBuffer& error) {
  if (board_.https_port == 0 || !https_ok_) {
    error.append("HTTPS is off on this box");
    return StatusCode::kUnavailable;
  }
  if (board_.flash == nullptr) {
    error.append("this box has no flash to keep a certificate in");
    return StatusCode::kUnavailable;
  }
  if (tls_identity_pending_) {
    error.append("another certificate is being installed; retry");
    return StatusCode::kUnavailable;
  }
  ConfigStore store = identity_store(*board_.flash);
  FlashRecordSink sink(store);
  if (Status s = net::parse_pem_identity(pem, sink, error); !s.ok()) return s;
  if (!store.commit().ok()) {
    error.append("the certificate could not be stored in flash");
    return StatusCode::kInternal;
  }
  // Taken once every session on the old one has ended (step_https()).
  tls_identity_pending_ = true;
  web_.hold_tls(true);
  return Status();
}

void App::write_tls_identity(JsonWriter& w) const {
  w.field_bool("https", https_ok_);
  if (!tls_identity_.ready()) return;
  w.field("fingerprint_sha256", tls_identity_.fingerprint().view());
  w.field("spki_sha256_base64", tls_identity_.spki_pin().view());
  char subject[160];
  int n = mbedtls_x509_dn_gets(subject, sizeof(subject), &tls_identity_.leaf().subject);
  w.field("subject", n > 0 ? std::string_view(subject, static_cast<size_t>(n)) : std::string_view());
  char issuer[160];
  n = mbedtls_x509_dn_gets(issuer, sizeof(issuer), &tls_identity_.leaf().issuer);
  w.field("issuer", n > 0 ? std::string_view(issuer, static_cast<size_t>(n)) : std::string_view());
  w.field_bool("pending_replacement", tls_identity_pending_);
}

}  // namespace probebox
