// The front panel's LEDs: a bi-colour STATUS, one bi-colour LED per check group,
// LINK and HEARTBEAT. A bi-colour LED shows green, red or both (amber).
#pragma once
#include <cstdint>

namespace hal {

enum class LedId : uint8_t {
  kStatus, kCert, kDns, kPorts, kSmtp, kHealth, kTime, kEgress, kIsolation, kLink, kHeartbeat,
};
inline constexpr int kLedCount = 11;
enum class LedColor : uint8_t { kOff, kGreen, kAmber, kRed };

class Leds {
 public:
  void set(LedId led, LedColor color) { DoSet(led, color); }

 protected:
  ~Leds() = default;

 private:
  virtual void DoSet(LedId led, LedColor color) = 0;
};

}  // namespace hal
