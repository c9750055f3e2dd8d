#include "protocols/smtp_reply.h"

#include "core/view.h"
#include "mbedtls/base64.h"

namespace probebox::smtp {
namespace {

char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

bool starts_with_word(std::string_view text, std::string_view word) {
  if (text.size() < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (upper(text[i]) != word[i]) return false;
  }
  return text.size() == word.size() || text[word.size()] == ' ' || text[word.size()] == '=';
}

}  // namespace

// Keeps each mechanism once, in upper case; a list that does not fit is cut at a
// whole name, never in the middle of one.
void ReplyParser::add_mechanism(std::string_view mech) {
  FixedText<32> name;
  for (char c : mech) name.append(upper(c));
  if (name.overflowed()) return;
  std::string_view known = mechanisms_.view();
  while (!known.empty()) {
    if (before_first(known, ' ') == name.view()) return;
    known = after_first(known, ' ');
  }
  if (mechanisms_.size() + name.size() + 1 > mechanisms_.capacity()) return;
  if (!mechanisms_.empty()) mechanisms_.append(' ');
  mechanisms_.append(name.view());
}

void ReplyParser::reset() {
  line_.clear();
  first_.clear();
  mechanisms_.clear();
  code_ = 0;
  lines_ = 0;
  done_ = false;
  starttls_ = false;
  auth_plain_ = false;
}

Status ReplyParser::line_complete() {
  std::string_view line = line_.view();
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (++lines_ > kMaxLines) return StatusCode::kResourceExhausted;
  if (line.size() < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '9' || line[2] < '0' ||
      line[2] > '9' || (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
    return StatusCode::kDataLoss;
  }
  int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  std::string_view text = after(line, 4);
  if (lines_ == 1) {
    code_ = code;
    first_.assign(text);
  } else if (code != code_) {
    return StatusCode::kDataLoss;  // every line of one reply carries the same code
  }
  if (starts_with_word(text, "STARTTLS")) starttls_ = true;
  if (starts_with_word(text, "AUTH")) {
    // "AUTH PLAIN LOGIN", the old "AUTH=PLAIN LOGIN", and a bare "AUTH" that lists
    // nothing (the keyword with no mechanism: nothing to pick up).
    std::string_view list = after(text, 5);
    while (!list.empty()) {
      std::string_view mech = before_first(list, ' ');
      list = after_first(list, ' ');
      if (mech.empty()) continue;
      if (mech.size() == 5 && starts_with_word(mech, "PLAIN")) auth_plain_ = true;
      add_mechanism(mech);
    }
  }
  if (line.size() == 3 || line[3] == ' ') done_ = true;
  return Status();
}

Status ReplyParser::feed(std::span<const uint8_t> bytes, size_t& used) {
  used = 0;
  while (used < bytes.size() && !done_) {
    char c = static_cast<char>(bytes[used++]);
    if (c == '\n') {
      Status s = line_complete();
      line_.clear();
      if (!s.ok()) return s;
      continue;
    }
    line_.append(c);
    if (line_.overflowed()) return StatusCode::kResourceExhausted;
  }
  return Status();
}

Status auth_plain_response(std::string_view user, std::string_view password, TextBuffer& out) {
  unsigned char raw[260];
  if (user.size() + password.size() + 2 > sizeof(raw)) return StatusCode::kInvalidArgument;
  size_t n = 0;
  raw[n++] = 0;
  for (char c : user) {
    if (c == '\r' || c == '\n' || c == '\0') return StatusCode::kInvalidArgument;
    raw[n++] = static_cast<unsigned char>(c);
  }
  raw[n++] = 0;
  for (char c : password) {
    if (c == '\r' || c == '\n' || c == '\0') return StatusCode::kInvalidArgument;
    raw[n++] = static_cast<unsigned char>(c);
  }
  unsigned char encoded[360];
  // Sized so that encoding cannot fail: base64 of all of raw, and its NUL, fits.
  static_assert(sizeof(encoded) > 4 * ((sizeof(raw) + 2) / 3), "the AUTH PLAIN buffer is too small");
  size_t len = 0;
  (void)mbedtls_base64_encode(encoded, sizeof(encoded), &len, raw, n);
  out.append(std::string_view(reinterpret_cast<const char*>(encoded), len));
  return Status();
}

}  // namespace probebox::smtp
