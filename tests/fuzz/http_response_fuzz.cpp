// libFuzzer: the incremental HTTP response parser, fed in chunks whose sizes the
// input chooses (first byte), then closed; the redirect's Location as the probe
// would follow it (URL, then the GET request for it).
#include <cstdint>
#include <cstddef>

#include "protocols/http_response.h"

namespace {
// The body as the parser hands it on, kept here (the parser keeps none) to check its
// bound and to read the /testall lines from the whole; BodyScan sees the same bytes.
class Collect final : public probebox::http::BodySink {
 public:
  void on_body(std::string_view bytes) override {
    if (bytes.size() > probebox::http::kMaxBodyKept - body.size()) __builtin_trap();
    body.append(bytes);
    scan.on_body(bytes);
  }
  probebox::FixedText<probebox::http::kMaxBodyKept> body;
  probebox::http::BodyScan scan;
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t chunk = 1 + data[0] % 64;
  Collect sink;
  sink.scan.reset("OK");
  probebox::http::ResponseParser parser;
  parser.set_body_sink(&sink);
  for (size_t at = 1; at < size; at += chunk) {
    size_t n = size - at < chunk ? size - at : chunk;
    if (!parser.feed({data + at, n}).ok()) return 0;
  }
  (void)parser.finish_on_close();  // an unframed body is an answer too
  sink.scan.end();
  int64_t t;
  (void)parser.date(t);
  probebox::FixedText<200> services;
  size_t count = 0;
  probebox::http::parse_testall_failures(sink.body.view(), services, count);
  probebox::http::Url url;
  if (probebox::http::parse_url(parser.location(), url).ok()) {
    probebox::FixedText<1024> request;
    (void)probebox::http::build_get_request(request, url.host.view(), url.path.view(), parser.content_type());
  }
  return 0;
}
