#include "probes/tls_cert_probe.h"

#include <algorithm>

#include "core/lease_pool.h"
#include "core/view.h"
#include "probes/verdicts.h"
#include "protocols/tls_legacy_hello.h"
#include "protocols/x509_summary.h"
#include "psa/crypto.h"

namespace probebox {
namespace {

LeasePool<ProbeDetails, TlsCertProbe::kDetailsPool> g_kept;

}  // namespace

int TlsCertProbe::details_in_use() { return g_kept.in_use(); }

TlsCertProbe::~TlsCertProbe() {
  link_.give_back_tls();
  g_kept.give_back(kept_);
}

void TlsCertProbe::DoDetails(ProbeDetails& details) const {
  if (kept_ != nullptr) details.assign(kept_->view());
  else details.set_tls_cert();
}

void TlsCertProbe::DoStart() {
  state_ = State::kResolving;
  version_ = net::TlsVersion::k12;
  refused_12_ = -1;
  details_ = nullptr;
  handshake_refused_ = false;
  legacy_looked_ = false;
  if (kept_ == nullptr) kept_ = g_kept.lease();
  if (kept_ == nullptr) {
    FixedText<100> why;
    why.appendf("no memory for the certificate's details (all %d in use)", kDetailsPool);
    note_failure(FailReason::kNoResources);
    fail(Outcome::kUnknown, why.view());
    return;
  }
  kept_->clear();
  if (env().tls == nullptr || !env().tls->ready()) {
    note_failure(FailReason::kNoResources);
    fail(Outcome::kUnknown, "TLS is not set up on this box");
    return;
  }
  resolve_then(env().config->text(check().host));
}

void TlsCertProbe::process(net::LinkEvent event) {
  if (state_ == State::kLegacyConnecting || state_ == State::kLegacyHello) {
    legacy_event(event);
    return;
  }
  if (ended_by(event, link_, "the server sent more than a handshake needs")) return;
  switch (state_) {
    case State::kResolving:
      mark(Phase::kResolve);
      connect();
      return;
    case State::kConnecting: {
      mark(Phase::kConnect);
      const Config& cfg = *env().config;
      std::string_view sni = check().server_name.empty() ? std::string_view() : cfg.text(check().server_name);
      state_ = State::kHandshake;
      // The chain is verified after the handshake, by judge(), unless the cache
      // already holds these very bytes verified (net/verified_chain_cache.h).
      if (!link_.start_tls(*env().tls, sni, version_, nullptr, net::ChainCheck::kByCaller).ok()) {
        note_failure(FailReason::kNoResources);
        fail_without_session();
      } else {
        drive();
      }
      return;
    }
    case State::kHandshake: drive(); return;
    case State::kLegacyConnecting:
    case State::kLegacyHello:
    case State::kIdle:
    case State::kDone:
      return;
  }
}

void TlsCertProbe::connect() {
  state_ = State::kConnecting;
  (void)connect_or_fail(link_, check().port);
}

void TlsCertProbe::drive() {
  switch (link_.tls().handshake(!check().full_handshake)) {
    case net::TlsClientSession::Progress::kServerProved:
    case net::TlsClientSession::Progress::kEstablished:
      mark(Phase::kTls);
      judge();
      break;
    case net::TlsClientSession::Progress::kFailed:
      if (link_.tls().lacked_memory()) {
        // The box's pool, not the server: no verdict on the certificate.
        note_failure(FailReason::kNoResources);
        state_ = State::kDone;
        out().summary.assign("cannot inspect: no TLS memory free on the box");
        kept_->set_tls_cert().tls_version = link_.tls().tls_version();
        finish(Outcome::kUnknown);
        break;
      }
      if (version_ == net::TlsVersion::k12 && link_.tls().refused_version() && retry_with_tls13()) break;
      if (link_.tls().message_too_big() && link_.tls().oversized_type() == net::TlsClientSession::kCertificateMessage) {
        // Not the server's fault, nor a verdict on the certificate: this box cannot
        // hold the chain (spec/checks.md), and says how big it is against what limit.
        fail_chain_too_big();
      } else {
        note_failure(FailReason::kTls);
        ResultCore& r = out();
        r.summary.assign("TLS handshake failed: ");
        describe_handshake_failure(r.summary);
        details_ = &kept_->set_tls_cert();
        details_->legacy_tls = kLegacyTlsUnknown;
        verdict_ = Verdict{Outcome::kCritical, FailReason::kTls};
        bool older = version_ == net::TlsVersion::k12 && link_.tls().older_version_chosen();
        if (older || (refused_12_ >= 0 && link_.tls().refused_version())) {
          // Neither 1.2 nor 1.3 (refused both, or answered 1.2 with an older version):
          // whether it speaks only a legacy version is the answer the operator needs,
          // so the legacy look runs now, whatever the cycle.
          handshake_refused_ = true;
          refused_13_ = older ? -1 : link_.tls().refusal();
          legacy_found_ = 0;
          legacy_offer(tls_legacy::kTls11);
        } else {
          finish_verdict();
        }
      }
      break;
    case net::TlsClientSession::Progress::kWantMore:
      break;
  }
}

// The server refused TLS 1.2 (an alert, or a close before any ServerHello): the same
// check again over a new connection offering only 1.3, within the same deadline.
// False when the old connection had to be aborted (then the link must not be reused
// in this callback, and the refusal is the verdict).
bool TlsCertProbe::retry_with_tls13() {
  int refusal = link_.tls().refusal();
  if (link_.close() == ERR_ABRT) return false;
  refused_12_ = refusal;
  version_ = net::TlsVersion::k13;
  connect();
  return true;
}

void TlsCertProbe::judge() {
  const CheckConfig& c = check();
  const Config& cfg = *env().config;
  ResultCore& r = out();
  ProbeDetails& kept = *kept_;
  const net::TlsClientSession& tls = link_.tls();
  const mbedtls_x509_crt* chain = tls.peer_chain();
  if (chain == nullptr || chain->raw.p == nullptr) {
    note_failure(FailReason::kCertificate);
    fail(Outcome::kCritical, "the server sent no certificate");
    return;
  }
  hal::WallTime wall = env().clock->wall();
  int64_t now_s = wall.unix_micros / 1'000'000;
  // The server has proved, in this handshake, that it holds the key of the leaf
  // parsed from these bytes. A chain of the same bytes verified before (under the
  // same trust inputs, since the configuration was applied, within the hour) is
  // not verified nor summarised again; its dates and names are judged below as
  // always, against today and this check's names.
  const x509::RootLookup* roots = env().tls->public_roots(c.tune.public_roots, wall.valid, now_s);
  net::VerifiedChainCache& cache = env().tls->verified_chains();
  net::ChainKey key;
  net::ChainContext context{roots != nullptr, wall.valid};
  bool keyed = cache.key_of(chain, key);
  net::VerifiedChain judged;
  bool cached = keyed && cache.find(key, context, now(), judged);
  if (!cached) {
    x509::summarize(*chain, judged.leaf);
    judged.chain = x509::judge_chain(chain, env().tls->anchors(), link_.tls().verify_chain(env().tls->anchors()), roots);
    judged.chain.rsa_work_refused = link_.tls().rsa_work_refused();
    if (keyed) cache.insert(key, context, now(), judged);
  }
  const x509::CertSummary& s = judged.leaf;
  const x509::ChainVerdict& chain_verdict = judged.chain;
  // The leaf this server sends today: an http probe's TLS session to the same server
  // (address, port, name) made with another leaf is not resumed again.
  if (net::ResumptionStore* sessions = env().sessions) {
    std::string_view sni = c.server_name.empty() ? std::string_view() : cfg.text(c.server_name);
    sessions->observe(net::ResumptionStore::key(cfg.text(c.host), c.port, sni),
                      net::ResumptionStore::fingerprint_hex(s.sha256.view()));
  }
  int32_t days = x509::days_left(s.not_after, now_s);
  if (wall.valid) {
    r.measurements.has_days_left = true;
    r.measurements.days_left = days;
    r.measurements.not_after_unix = s.not_after;
  }

  // Names the appliance needs that the SAN does not cover.
  FixedText<512> missing;
  int missing_count = 0;
  for (uint16_t i = 0; i < c.names.count; ++i) {
    std::string_view name = cfg.text(cfg.list_item(c.names, i));
    if (x509::covered_by_sans(name, s)) continue;
    if (missing_count++ > 0) missing.append('\n');
    missing.append(name);
  }

  TlsCertDetails& d = kept.set_tls_cert();
  d.examined = true;
  d.dated = wall.valid;
  d.days_left = days;
  d.not_after = s.not_after;
  d.subject = kept.add_text(s.subject.view());
  d.issuer = kept.add_text(s.issuer.view());
  d.chain_complete = chain_verdict.complete;
  d.trusted = chain_verdict.trusted == x509::Trust::kNotJudged ? Tri::kNull : tri(chain_verdict.trusted == x509::Trust::kYes);
  d.trusted_by = x509::trust_set_name(chain_verdict.trusted_by);
  d.key_type = kept.add_text(s.key_type.view());
  d.key_bits = s.key_bits;
  d.sig_alg = kept.add_text(s.sig_alg.view());
  d.sha256 = kept.add_text(s.sha256.view());
  d.tls_version = tls.tls_version();
  d.missing_names = kept.add_text(missing.view());
  d.sans = kept.add_text(s.sans.view());
  d.sans_truncated = s.sans_truncated;
  d.chain_in_order = chain_verdict.in_order;
  d.self_signed = chain_verdict.leaf_self_signed;
  d.weak_sig_in_chain = chain_verdict.weak_sig;
  d.chain_not_after = chain_verdict.earliest_not_after;
  d.verified_chain_not_after = chain_verdict.verified_not_after;
  d.chain_cached = cached;
  d.legacy_tls = kLegacyTlsUnknown;
  details_ = &d;

  // The verdict: the most severe finding names the summary.
  TlsCertFacts f;
  f.chain_complete = chain_verdict.complete;
  f.trusted = chain_verdict.trusted;
  f.missing_count = missing_count;
  f.first_missing = first(missing.view(), missing.view().find('\n'));
  f.key_type = s.key_type.view();
  f.key_bits = s.key_bits;
  f.wall_valid = wall.valid;
  f.now_s = now_s;
  f.not_before = s.not_before;
  f.days_left = days;
  // The leaf's signature first; else the first weak one further up the chain.
  f.sha1_signature = s.sha1_signature || chain_verdict.weak_sig;
  f.sig_alg = s.sha1_signature ? s.sig_alg.view() : chain_verdict.weak_alg.view();
  f.weak_name = s.sha1_signature ? std::string_view() : chain_verdict.weak_name.view();
  f.subject_name = c.server_name.empty() ? cfg.text(c.host) : cfg.text(c.server_name);
  f.chain_in_order = chain_verdict.in_order;
  f.leaf_self_signed = chain_verdict.leaf_self_signed;
  f.chain_not_before = chain_verdict.latest_not_before;
  f.future_name = chain_verdict.latest_start_index == 0 ? std::string_view() : chain_verdict.latest_start_name.view();
  f.chain_days_left = x509::days_left(chain_verdict.earliest_not_after, now_s);
  f.expiry_name = chain_verdict.earliest_index == 0 ? std::string_view() : chain_verdict.earliest_name.view();
  f.long_exponent_name = chain_verdict.long_exponent_name.view();
  f.rsa_work_refused = chain_verdict.rsa_work_refused;
  TlsCertRules rules;
  rules.crit_days = c.tune.cert_crit_days;
  rules.warn_days = c.tune.cert_warn_days;
  rules.trust_only = c.trust_only;
  verdict_ = judge_tls_cert(f, rules, r.summary);
  legacy_or_finish();
}

// --- the legacy-protocol floor ------------------------------------------------

void TlsCertProbe::legacy_or_finish() {
  CheckMemory* memory = env().memory;
  if (memory == nullptr) {
    finish_verdict();  // nothing to carry it in: a probe run alone does not look
    return;
  }
  if (memory->legacy_due_in > 0) {
    --memory->legacy_due_in;
    finish_verdict();
    return;
  }
  legacy_found_ = 0;
  legacy_offer(tls_legacy::kTls11);
}

// A new connection carrying a ClientHello that offers only `version`. The TLS
// connection is closed first; if lwIP had to abort it, this callback must not
// reuse the link: the look waits for the next cycle (it stays due).
void TlsCertProbe::legacy_offer(uint16_t version) {
  legacy_offered_ = version;
  legacy_len_ = 0;
  if (link_.close() == ERR_ABRT) {
    legacy_done(false);
    return;
  }
  state_ = State::kLegacyConnecting;
  if (connect_to(link_, check().port) != net::TcpLink::Open::kConnecting) legacy_done(false);
}

void TlsCertProbe::legacy_event(net::LinkEvent event) {
  using E = net::LinkEvent;
  switch (event) {
    case E::kConnected: {
      if (state_ != State::kLegacyConnecting) return;
      uint8_t random[32];
      if (psa_generate_random(random, sizeof(random)) != PSA_SUCCESS) {
        // Only a nonce here (nothing is derived from it): the clock will do.
        uint64_t x = static_cast<uint64_t>(now()) | 1;
        for (uint8_t& b : random) {
          x ^= x << 13;
          x ^= x >> 7;
          x ^= x << 17;
          b = static_cast<uint8_t>(x);
        }
      }
      uint8_t hello[tls_legacy::kMaxHelloBytes];
      const Config& cfg = *env().config;
      std::string_view sni = check().server_name.empty() ? std::string_view() : cfg.text(check().server_name);
      Result<size_t> built = tls_legacy::build_client_hello(hello, legacy_offered_, sni, random);
      if (!built.ok() || !link_.send(std::span<const uint8_t>(hello, built.value()))) {
        legacy_done(false);
        return;
      }
      state_ = State::kLegacyHello;
      return;
    }
    case E::kReceived:
    case E::kPeerClosed: {
      if (state_ != State::kLegacyHello) {
        legacy_done(false);
        return;
      }
      bool ended = link_.read(legacy_read) == net::TcpLink::Read::kEnded || event == E::kPeerClosed;
      if (state_ == State::kLegacyHello) legacy_answered(ended);
      return;
    }
    case E::kFailed:
      // Refused or unreachable now: nothing learnt. Reset after the hello: a refusal.
      if (state_ == State::kLegacyHello) legacy_answered(true);
      else legacy_done(false);
      return;
    default:
      return;
  }
}

void TlsCertProbe::legacy_read(net::LinkOwner& owner, std::span<const uint8_t> bytes) {
  auto& self = static_cast<TlsCertProbe&>(owner);
  size_t room = sizeof(self.legacy_answer_) - self.legacy_len_;
  size_t n = std::min(room, bytes.size());
  std::copy_n(bytes.begin(), n, self.legacy_answer_ + self.legacy_len_);
  self.legacy_len_ = static_cast<uint8_t>(self.legacy_len_ + n);
}

// What the answer so far says; `closed`: no more will come (an empty or cut answer
// is a refusal, as an alert is).
void TlsCertProbe::legacy_answered(bool closed) {
  using K = tls_legacy::Answer::Kind;
  tls_legacy::Answer a = tls_legacy::read_answer({legacy_answer_, legacy_len_}, legacy_offered_);
  if (a.kind == K::kNeedMore && !closed && legacy_len_ < sizeof(legacy_answer_)) return;
  bool offered_11 = legacy_offered_ == tls_legacy::kTls11;
  if (a.kind == K::kAccepted) {
    legacy_found_ |= offered_11 ? kLegacyTls11 : kLegacyTls10;
  } else if (a.kind == K::kDowngraded && a.server_version == tls_legacy::kTls10) {
    // Offered 1.1, the server chose 1.0: it accepts 1.0 and not 1.1; nothing more to ask.
    legacy_found_ |= kLegacyTls10;
    legacy_done(true);
    return;
  }
  if (offered_11) legacy_offer(tls_legacy::kTls10);
  else legacy_done(true);
}

// `complete`: both versions were asked about; what was found is remembered and the
// next look is due in kLegacyTlsEveryCycles cycles. Otherwise it stays due and the
// last known answer stands.
void TlsCertProbe::legacy_done(bool complete) {
  legacy_looked_ = complete;
  CheckMemory* memory = env().memory;
  if (complete && memory != nullptr) {
    memory->legacy_tls = legacy_found_;
    memory->legacy_due_in = kLegacyTlsEveryCycles - 1;
  }
  finish_verdict();
}

void TlsCertProbe::finish_verdict() {
  state_ = State::kDone;
  uint8_t legacy = env().memory != nullptr ? env().memory->legacy_tls : kLegacyTlsUnknown;
  Verdict v = verdict_;
  if (handshake_refused_) {
    // Refused 1.2 and 1.3: what this look found is the news (no memory needed).
    legacy = legacy_looked_ ? legacy_found_ : kLegacyTlsUnknown;
    if (details_ != nullptr) details_->legacy_tls = legacy;
    if (legacy_looked_ && legacy_found_ != 0) {
      out().summary.assign("TLS handshake failed: the server speaks only TLS ");
      out().summary.append(legacy_found_ == (kLegacyTls10 | kLegacyTls11) ? "1.0 and 1.1"
                           : legacy_found_ == kLegacyTls10                ? "1.0"
                                                                          : "1.1");
      if (refused_13_ < 0) {
        out().summary.append(" (it answered a TLS 1.2 hello with an older version)");
      } else {
        out().summary.append(" (");
        net::describe_refusals(refused_12_, refused_13_, false, out().summary);
        out().summary.append(")");
      }
    }
    note_failure(v.reason);
    finish(v.outcome);
    return;
  }
  if (details_ != nullptr) details_->legacy_tls = legacy;
  if ((legacy & kLegacyTlsUnknown) == 0) v = judge_legacy_tls(v, legacy, out().summary);
  note_failure(v.reason);
  finish(v.outcome);
}

bool TlsCertProbe::DoFinishAtDeadline() {
  if (state_ != State::kLegacyConnecting && state_ != State::kLegacyHello) return false;
  // The certificate was judged; only the legacy look ran out of time.
  legacy_done(false);
  return true;
}

// The alert by name and what was offered: "alert handshake_failure to TLS 1.2
// (ECDHE, RSA), protocol_version to 1.3 (ECDHE)" — both versions when 1.3 was tried
// after 1.2 was refused, each with the key exchanges its ClientHello offered; a
// server that refused by closing is "closed" there.
void TlsCertProbe::describe_handshake_failure(TextBuffer& out) {
  const net::TlsClientSession& tls = link_.tls();
  bool both = refused_12_ >= 0 && tls.refused_version();
  if (tls.message_too_big() || (tls.received_alert() < 0 && !both)) {
    tls.describe_error(out);
    return;
  }
  if (both) {
    net::describe_refusals(refused_12_, tls.refusal(), true, out);
  } else {
    out.appendf("alert %s to TLS %s (%s)", net::tls_alert_name(tls.received_alert()),
                tls.offered() == net::TlsVersion::k13 ? "1.3" : "1.2", net::offered_key_exchanges(tls.offered()));
  }
}

void TlsCertProbe::fail(Outcome outcome, std::string_view why) {
  ResultCore& r = out();
  r.summary.assign(why);
  if (kept_ != nullptr) kept_->set_tls_cert();
  finish(outcome);
}

// No session object or no memory for one: the box's shortage, nothing learnt of the
// server. (It once read "no memory for a TLS sessionno TLS memory free on the box".)
void TlsCertProbe::fail_without_session() {
  out().summary.assign("no memory for a TLS session");
  kept_->set_tls_cert();
  finish(Outcome::kUnknown);
}

void TlsCertProbe::fail_chain_too_big() {
  ResultCore& r = out();
  const net::TlsClientSession& tls = link_.tls();
  r.summary.assign("cannot inspect: ");
  tls.describe_error(r.summary);
  TlsCertDetails& d = kept_->set_tls_cert();
  d.too_big = true;
  d.chain_bytes = tls.oversized_length();
  d.chain_limit_bytes = net::TlsClientSession::kMaxHandshakeMessage;
  d.tls_version = tls.tls_version();
  note_failure(FailReason::kNoResources);
  finish(Outcome::kUnknown);
}

void TlsCertProbe::DoDescribeTimeout() {
  ResultCore& r = out();
  r.summary.appendf("no TLS handshake in %u ms", static_cast<unsigned>(check().tune.timeout_ms));
  kept_->set_tls_cert();
}

void TlsCertProbe::DoRelease() {
  state_ = State::kDone;
  link_.close(net::TcpLink::Ending::kReset);
}

}  // namespace probebox
