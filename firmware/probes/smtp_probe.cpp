#include "probes/smtp_probe.h"

#include "core/json_writer.h"
#include "core/view.h"

namespace probebox {

void SmtpProbe::DoStart() {
  SmtpSession::Context context;
  context.relay = &check();
  context.config = env().config;
  context.tls = env().tls;
  context.clock = env().clock;
  context.summary = &out().summary;
  context.owner = this;
  context.done = on_done;
  session_.begin(context);
  resolve_then(env().config->text(check().host));
}

void SmtpProbe::report() {
  ProbeResult& r = out();
  const x509::PeerVerdict& peer = session_.peer();
  JsonWriter w(r.details);
  w.begin_object().field("banner", session_.banner()).field_bool("starttls", session_.tls_used());
  w.key("auth_mechanisms").begin_array();
  std::string_view mechs = session_.mechanisms();
  while (!mechs.empty()) {
    size_t sp = mechs.find(' ');
    w.string(first(mechs, sp));
    mechs = sp == std::string_view::npos ? std::string_view() : after(mechs, sp + 1);
  }
  w.end_array().field_bool("auth_plain", session_.auth_plain());
  if (session_.auth_result() < 0) w.key("auth_ok").null();
  else w.field_bool("auth_ok", session_.auth_result() == 1);
  if (session_.tls_used() && peer.dated) w.field_int("tls_days_left", peer.days_left);
  else w.key("tls_days_left").null();
  if (session_.tls_used()) w.field_bool("tls_trusted", peer.trusted).field("tls_subject", peer.subject.view());
  else w.key("tls_trusted").null().key("tls_subject").null();
  w.end_object();
  finish(session_.outcome());
}

void SmtpProbe::DoDescribeTimeout() {
  ProbeResult& r = out();
  session_.describe_timeout(r.summary, static_cast<unsigned>(check().tune.timeout_ms));
  JsonWriter(r.details).begin_object().field("banner", session_.banner()).field_bool("starttls", session_.tls_used())
      .key("auth_mechanisms").begin_array().end_array().field_bool("auth_plain", false).key("auth_ok").null()
      .key("tls_days_left").null().key("tls_trusted").null().key("tls_subject").null()
      .end_object();
}

}  // namespace probebox
