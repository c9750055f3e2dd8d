// Errors are values: a canonical code plus, where useful, a size or a payload.
#pragma once
#include <cstddef>
#include <utility>

namespace probebox {

enum class StatusCode : unsigned char {
  kOk,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kResourceExhausted,
  kDeadlineExceeded,
  kUnavailable,
  kDataLoss,
  kFailedPrecondition,
  kOutOfRange,
  kUnimplemented,
  kInternal,
  kPermissionDenied,
};

const char* status_code_name(StatusCode code);

// [[nodiscard]]: an error dropped on the floor is a bug; cast to void to mean it.
class [[nodiscard]] Status {
 public:
  constexpr Status() = default;
  constexpr Status(StatusCode code) : code_(code) {}  // NOLINT: implicit on purpose
  static constexpr Status Ok() { return Status(); }
  constexpr bool ok() const { return code_ == StatusCode::kOk; }
  constexpr StatusCode code() const { return code_; }
  const char* name() const { return status_code_name(code_); }
  friend constexpr bool operator==(Status a, Status b) { return a.code_ == b.code_; }

 private:
  StatusCode code_ = StatusCode::kOk;
};

// A value or the reason there is none. T must be default-constructible.
template <typename T>
class [[nodiscard]] Result {
 public:
  constexpr Result(T value) : value_(std::move(value)) {}  // NOLINT
  constexpr Result(Status status) : status_(status) {}     // NOLINT
  constexpr bool ok() const { return status_.ok(); }
  constexpr Status status() const { return status_; }
  constexpr const T& value() const { return value_; }
  constexpr T& value() { return value_; }
  constexpr const T& operator*() const { return value_; }
  constexpr const T* operator->() const { return &value_; }

 private:
  T value_{};
  Status status_{};
};

}  // namespace probebox
