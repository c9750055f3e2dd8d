// A TLS 1.2 key block derived to the length its suite takes (firmware/net/
// tls12_key_block.h, the edited key-expansion call in mbedTLS's ssl_tls.c): the
// lengths, and the keys both ends of a handshake use, held to the 256-byte block
// mbedTLS's own public PRF derives from the same master secret. A key cut from
// beyond the shortened block would not decrypt the records below.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "crypto_platform.h"
#include "fake_tls_server.h"
#include "mbedtls/aes.h"
#include "mbedtls/gcm.h"
#include "mbedtls/md.h"
#include "mbedtls/pk.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"
#include "net/tls12_key_block.h"
#include "net/tls_memory.h"

namespace probebox::net {
namespace {

TEST(Tls12KeyBlock, EachSuiteFamilyTakesItsKeysIvsAndMacKeysAndNoMore) {
  // AES-128-GCM: two 16-byte keys and two IVs counted at ChaCha20's 12 bytes.
  EXPECT_EQ(probebox_tls12_key_block_len(1, 16, 32, 12, 256), 56u);
  EXPECT_EQ(probebox_tls12_key_block_len(1, 32, 48, 12, 256), 88u);  // AES-256-GCM-SHA384
  // CBC: both MAC keys, both keys, both 16-byte IVs.
  EXPECT_EQ(probebox_tls12_key_block_len(0, 16, 32, 16, 256), 128u);  // AES-128-CBC-SHA256
  EXPECT_EQ(probebox_tls12_key_block_len(0, 32, 48, 16, 256), 192u);  // AES-256-CBC-SHA384
  EXPECT_EQ(probebox_tls12_key_block_len(0, 32, 20, 16, 256), 136u);  // AES-256-CBC-SHA
  // Never past the caller's block.
  EXPECT_EQ(probebox_tls12_key_block_len(0, 64, 64, 64, 256), 256u);
}

int counting_rng(void* state, unsigned char* out, size_t len) {
  auto* n = static_cast<uint32_t*>(state);
  for (size_t i = 0; i < len; ++i) out[i] = static_cast<unsigned char>(++*n * 2654435761u >> 24);
  return 0;
}

// One direction of the in-memory connection.
struct Stream {
  std::string bytes;
  size_t read = 0;
};

struct End {
  Stream* out;
  Stream* in;
};

int send_to(void* ctx, const unsigned char* buf, size_t len) {
  static_cast<End*>(ctx)->out->bytes.append(reinterpret_cast<const char*>(buf), len);
  return static_cast<int>(len);
}

int receive_from(void* ctx, unsigned char* buf, size_t len) {
  Stream* in = static_cast<End*>(ctx)->in;
  size_t n = std::min(len, in->bytes.size() - in->read);
  if (n == 0) return MBEDTLS_ERR_SSL_WANT_READ;
  std::memcpy(buf, in->bytes.data() + in->read, n);
  in->read += n;
  return static_cast<int>(n);
}

// What the client's export callback saw: the master secret and both randoms.
struct Exported {
  unsigned char master[48] = {};
  unsigned char randbytes[64] = {};  // server random, then client random: key expansion's order
  mbedtls_tls_prf_types prf = MBEDTLS_SSL_TLS_PRF_NONE;
  bool seen = false;
};

void export_keys(void* p, mbedtls_ssl_key_export_type type, const unsigned char* secret, size_t secret_len,
                 const unsigned char client_random[32], const unsigned char server_random[32],
                 mbedtls_tls_prf_types prf) {
  auto* e = static_cast<Exported*>(p);
  if (type != MBEDTLS_SSL_KEY_EXPORT_TLS12_MASTER_SECRET || secret_len != sizeof(e->master)) return;
  std::memcpy(e->master, secret, secret_len);
  std::memcpy(e->randbytes, server_random, 32);
  std::memcpy(e->randbytes + 32, client_random, 32);
  e->prf = prf;
  e->seen = true;
}

struct Suite {
  int id;
  bool gcm;
  size_t key_bytes;
  size_t mac_bytes;  // the record MAC's key (CBC only)
};

// A TLS 1.2 handshake between an mbedTLS client and server over memory, one suite,
// then one application record each way, each checked against keys cut from the
// reference key block.
class Tls12KeyBlockHandshake : public ::testing::Test {
 protected:
  void SetUp() override {
    tls_memory_init();
    ASSERT_TRUE(test::bind_crypto_platform());
    mbedtls_x509_crt_init(&crt_);
    mbedtls_pk_init(&key_);
    for (auto* c : {&client_conf_, &server_conf_}) mbedtls_ssl_config_init(c);
    for (auto* s : {&client_, &server_}) mbedtls_ssl_init(s);
  }
  void TearDown() override {
    for (auto* s : {&client_, &server_}) mbedtls_ssl_free(s);
    for (auto* c : {&client_conf_, &server_conf_}) mbedtls_ssl_config_free(c);
    mbedtls_pk_free(&key_);
    mbedtls_x509_crt_free(&crt_);
  }

  void handshake(const Suite& suite) {
    suites_[0] = suite.id;
    const std::string_view cert = test::lab_cert_pem(), key = test::lab_key_pem();
    ASSERT_EQ(mbedtls_x509_crt_parse(&crt_, reinterpret_cast<const unsigned char*>(std::string(cert).c_str()),
                                     cert.size() + 1),
              0);
    ASSERT_EQ(mbedtls_pk_parse_key(&key_, reinterpret_cast<const unsigned char*>(std::string(key).c_str()),
                                   key.size() + 1, nullptr, 0, counting_rng, &server_rng_),
              0);
    ASSERT_EQ(mbedtls_ssl_config_defaults(&client_conf_, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT),
              0);
    ASSERT_EQ(mbedtls_ssl_config_defaults(&server_conf_, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT),
              0);
    for (auto* c : {&client_conf_, &server_conf_}) {
      mbedtls_ssl_conf_max_tls_version(c, MBEDTLS_SSL_VERSION_TLS1_2);
      mbedtls_ssl_conf_ciphersuites(c, suites_);
      // MAC-then-encrypt: the record layout read below (the key block is the same either way).
      mbedtls_ssl_conf_encrypt_then_mac(c, MBEDTLS_SSL_ETM_DISABLED);
    }
    mbedtls_ssl_conf_authmode(&client_conf_, MBEDTLS_SSL_VERIFY_NONE);
    mbedtls_ssl_conf_rng(&client_conf_, counting_rng, &client_rng_);
    mbedtls_ssl_conf_rng(&server_conf_, counting_rng, &server_rng_);
    ASSERT_EQ(mbedtls_ssl_conf_own_cert(&server_conf_, &crt_, &key_), 0);
    ASSERT_EQ(mbedtls_ssl_setup(&client_, &client_conf_), 0);
    ASSERT_EQ(mbedtls_ssl_setup(&server_, &server_conf_), 0);
    mbedtls_ssl_set_export_keys_cb(&client_, export_keys, &exported_);
    mbedtls_ssl_set_bio(&client_, &client_end_, send_to, receive_from, nullptr);
    mbedtls_ssl_set_bio(&server_, &server_end_, send_to, receive_from, nullptr);
    int client_rc = 1, server_rc = 1;
    for (int round = 0; round < 64 && (client_rc != 0 || server_rc != 0); ++round) {
      if (client_rc != 0) client_rc = mbedtls_ssl_handshake(&client_);
      if (server_rc != 0) server_rc = mbedtls_ssl_handshake(&server_);
      ASSERT_TRUE(client_rc == 0 || client_rc == MBEDTLS_ERR_SSL_WANT_READ) << -client_rc;
      ASSERT_TRUE(server_rc == 0 || server_rc == MBEDTLS_ERR_SSL_WANT_READ) << -server_rc;
    }
    ASSERT_EQ(client_rc, 0);
    ASSERT_EQ(server_rc, 0);
    ASSERT_STREQ(mbedtls_ssl_get_ciphersuite(&client_), mbedtls_ssl_get_ciphersuite_name(suite.id));
    ASSERT_TRUE(exported_.seen);
    ASSERT_EQ(mbedtls_ssl_tls_prf(exported_.prf, exported_.master, sizeof(exported_.master), "key expansion",
                                  exported_.randbytes, sizeof(exported_.randbytes), reference_, sizeof(reference_)),
              0);
  }

  // The record `from` writes with `text`, decrypted with the reference block's keys
  // for that direction (its first application record: sequence number 1, after
  // Finished), and the plaintext that came out.
  std::string open_record(mbedtls_ssl_context& from, Stream& wire, bool client_writes, const Suite& suite) {
    const size_t mark = wire.bytes.size();
    const std::string text = client_writes ? "GET /testall HTTP/1.1" : "HTTP/1.1 200 OK";
    EXPECT_EQ(mbedtls_ssl_write(&from, reinterpret_cast<const unsigned char*>(text.data()), text.size()),
              static_cast<int>(text.size()));
    const auto* rec = reinterpret_cast<const unsigned char*>(wire.bytes.data() + mark);
    const size_t rec_len = wire.bytes.size() - mark;
    if (rec_len < 5 || rec[0] != 23) return "(no application record)";
    const size_t body = static_cast<size_t>(rec[3]) << 8 | rec[4];
    if (rec_len != 5 + body) return "(not one record)";
    const size_t mac = suite.mac_bytes, key = suite.key_bytes, iv = suite.gcm ? 4 : 16;
    const unsigned char* mac_key = reference_ + (client_writes ? 0 : mac);
    const unsigned char* cipher_key = reference_ + 2 * mac + (client_writes ? 0 : key);
    const unsigned char* fixed_iv = reference_ + 2 * mac + 2 * key + (client_writes ? 0 : iv);
    unsigned char header[13] = {0, 0, 0, 0, 0, 0, 0, 1, 23, 3, 3, 0, 0};
    std::string plain;
    if (suite.gcm) {
      if (body < 8 + 16) return "(short record)";
      const size_t n = body - 8 - 16;
      header[11] = static_cast<unsigned char>(n >> 8);
      header[12] = static_cast<unsigned char>(n);
      unsigned char nonce[12];
      std::memcpy(nonce, fixed_iv, 4);
      std::memcpy(nonce + 4, rec + 5, 8);
      plain.resize(n);
      mbedtls_gcm_context gcm;
      mbedtls_gcm_init(&gcm);
      int rc = mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, cipher_key, static_cast<unsigned>(key * 8));
      if (rc == 0) {
        rc = mbedtls_gcm_auth_decrypt(&gcm, n, nonce, sizeof(nonce), header, sizeof(header), rec + 5 + 8 + n, 16,
                                      rec + 5 + 8, reinterpret_cast<unsigned char*>(plain.data()));
      }
      mbedtls_gcm_free(&gcm);
      return rc == 0 ? plain : "(GCM: the reference key does not open it)";
    }
    // CBC, MAC then encrypt: explicit IV, then plaintext || MAC || padding, encrypted.
    if (body < 32 || (body - 16) % 16 != 0) return "(bad CBC record)";
    std::string clear(body - 16, '\0');
    unsigned char record_iv[16];
    std::memcpy(record_iv, rec + 5, 16);
    mbedtls_aes_context aes;
    mbedtls_aes_init(&aes);
    int rc = mbedtls_aes_setkey_dec(&aes, cipher_key, static_cast<unsigned>(key * 8));
    if (rc == 0) {
      rc = mbedtls_aes_crypt_cbc(&aes, MBEDTLS_AES_DECRYPT, clear.size(), record_iv, rec + 5 + 16,
                                 reinterpret_cast<unsigned char*>(clear.data()));
    }
    mbedtls_aes_free(&aes);
    if (rc != 0) return "(CBC: no decryption)";
    const size_t pad = static_cast<unsigned char>(clear.back()) + 1u;
    if (clear.size() < pad + mac) return "(CBC: the reference key gives no valid padding)";
    const size_t n = clear.size() - pad - mac;
    header[11] = static_cast<unsigned char>(n >> 8);
    header[12] = static_cast<unsigned char>(n);
    std::string macced(reinterpret_cast<const char*>(header), sizeof(header));
    macced.append(clear, 0, n);
    unsigned char expected[MBEDTLS_MD_MAX_SIZE];
    const mbedtls_md_info_t* md = mbedtls_md_info_from_type(mac == 48 ? MBEDTLS_MD_SHA384 : MBEDTLS_MD_SHA256);
    if (mbedtls_md_hmac(md, mac_key, mac, reinterpret_cast<const unsigned char*>(macced.data()), macced.size(),
                        expected) != 0 ||
        std::memcmp(expected, clear.data() + n, mac) != 0) {
      return "(CBC: the reference MAC key does not sign it)";
    }
    return clear.substr(0, n);
  }

  mbedtls_x509_crt crt_;
  mbedtls_pk_context key_;
  mbedtls_ssl_config client_conf_, server_conf_;
  mbedtls_ssl_context client_, server_;
  Stream client_to_server_, server_to_client_;
  End client_end_{&client_to_server_, &server_to_client_};
  End server_end_{&server_to_client_, &client_to_server_};
  uint32_t client_rng_ = 1, server_rng_ = 1000;
  int suites_[2] = {0, 0};
  Exported exported_;
  unsigned char reference_[256] = {};
};

TEST_F(Tls12KeyBlockHandshake, Aes128GcmKeysAreTheReferenceBlocksFront) {
  const Suite suite{MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, true, 16, 0};
  handshake(suite);
  EXPECT_EQ(open_record(client_, client_to_server_, true, suite), "GET /testall HTTP/1.1");
  EXPECT_EQ(open_record(server_, server_to_client_, false, suite), "HTTP/1.1 200 OK");
}

TEST_F(Tls12KeyBlockHandshake, Aes256GcmSha384KeysAreTheReferenceBlocksFront) {
  const Suite suite{MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, true, 32, 0};
  handshake(suite);
  EXPECT_EQ(open_record(client_, client_to_server_, true, suite), "GET /testall HTTP/1.1");
  EXPECT_EQ(open_record(server_, server_to_client_, false, suite), "HTTP/1.1 200 OK");
}

TEST_F(Tls12KeyBlockHandshake, CbcMacKeysAndKeysAreTheReferenceBlocksFront) {
  // The longest block the box's suites take: 192 bytes, four rounds of HMAC-SHA-384.
  const Suite suite{MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, false, 32, 48};
  handshake(suite);
  EXPECT_EQ(open_record(client_, client_to_server_, true, suite), "GET /testall HTTP/1.1");
  EXPECT_EQ(open_record(server_, server_to_client_, false, suite), "HTTP/1.1 200 OK");
}

}  // namespace
}  // namespace probebox::net
