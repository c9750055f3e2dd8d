#include "protocols/smtp_reply.h"

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
  if (lines_ == 1) {
    code_ = code;
    first_.assign(line.size() > 4 ? line.substr(4) : std::string_view());
  } else if (code != code_) {
    return StatusCode::kDataLoss;  // every line of one reply carries the same code
  }
  std::string_view text = line.size() > 4 ? line.substr(4) : std::string_view();
  if (starts_with_word(text, "STARTTLS")) starttls_ = true;
  if (starts_with_word(text, "AUTH")) {
    // "AUTH PLAIN LOGIN" and the old "AUTH=PLAIN LOGIN".
    std::string_view list = text.substr(5);
    while (!list.empty()) {
      size_t sp = list.find(' ');
      std::string_view mech = list.substr(0, sp);
      if (!mech.empty()) {
        if (starts_with_word(mech, "PLAIN")) auth_plain_ = true;
        if (mechanisms_.view().find(mech) == std::string_view::npos) {
          if (!mechanisms_.empty()) mechanisms_.append(' ');
          for (char c : mech) mechanisms_.append(upper(c));
        }
      }
      list = sp == std::string_view::npos ? std::string_view() : list.substr(sp + 1);
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
  size_t len = 0;
  if (mbedtls_base64_encode(encoded, sizeof(encoded), &len, raw, n) != 0) return StatusCode::kInvalidArgument;
  out.append(std::string_view(reinterpret_cast<const char*>(encoded), len));
  return Status();
}

}  // namespace probebox::smtp
