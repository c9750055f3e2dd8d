// A 20x4 character LCD (HD44780 class): plain ASCII, four rows of exactly 20.
#pragma once
#include <string_view>

namespace hal {

class Lcd {
 public:
  static constexpr int kRows = 4;
  static constexpr int kColumns = 20;
  void write_row(int row, std::string_view text) { DoWriteRow(row, text); }

 protected:
  ~Lcd() = default;

 private:
  virtual void DoWriteRow(int row, std::string_view text) = 0;
};

}  // namespace hal
