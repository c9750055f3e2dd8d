// Line-oriented diagnostics: the UART on a board, stderr in the simulator.
#pragma once
#include <string_view>

namespace hal {

class Console {
 public:
  void write(std::string_view text) { DoWrite(text); }

 protected:
  ~Console() = default;

 private:
  virtual void DoWrite(std::string_view text) = 0;
};

}  // namespace hal
