// Status and Result<T>: the error currency of Edgeloop's own interfaces.
//
// No exceptions cross our interfaces: functions that can fail return a Status or a Result<T>,
// both [[nodiscard]]. Third-party exceptions are caught at the boundary and turned into a Status.
// Both types are plain values: copyable, movable, safe to pass between threads.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace edgeloop {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller passed something malformed (bad config, bad payload)
  kNotFound,            // a named thing does not exist
  kAlreadyExists,       // a named thing exists already
  kFailedPrecondition,  // the system is not in a state where this can run
  kOutOfRange,          // a value lies outside what is physically or logically allowed
  kUnavailable,         // a peer or resource is temporarily not reachable; retry may help
  kIoError,             // the operating system refused a read or write
  kDataLoss,            // stored data is corrupt or truncated
  kInternal,            // a bug in Edgeloop: an invariant did not hold
};

// Human-readable name of a code, e.g. "InvalidArgument".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "InvalidArgument: <message>" or "OK".
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context`, e.g. "loading plant.toml: ...".
  // An OK status stays OK.
  Status WithContext(std::string_view context) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string msg) {
  return {StatusCode::kInvalidArgument, std::move(msg)};
}
inline Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
inline Status AlreadyExists(std::string msg) {
  return {StatusCode::kAlreadyExists, std::move(msg)};
}
inline Status FailedPrecondition(std::string msg) {
  return {StatusCode::kFailedPrecondition, std::move(msg)};
}
inline Status OutOfRange(std::string msg) { return {StatusCode::kOutOfRange, std::move(msg)}; }
inline Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
inline Status IoError(std::string msg) { return {StatusCode::kIoError, std::move(msg)}; }
inline Status DataLoss(std::string msg) { return {StatusCode::kDataLoss, std::move(msg)}; }
inline Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

// Result<T>: either a value or a non-OK Status. Accessing the value of an error Result (or the
// error of a value Result) is a broken invariant and aborts with the status printed.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {  // NOLINT: implicit by design
    if (std::get<Status>(data_).ok()) {
      data_ = Status(StatusCode::kInternal, "Result constructed from an OK status without value");
    }
  }

  bool ok() const { return std::holds_alternative<T>(data_); }

  // The error; Status::Ok() when the Result holds a value.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(data_); }

  T& value() & {
    CheckOk();
    return std::get<T>(data_);
  }
  const T& value() const& {
    CheckOk();
    return std::get<T>(data_);
  }
  T&& value() && {
    CheckOk();
    return std::get<T>(std::move(data_));
  }
  T value_or(T fallback) const& { return ok() ? std::get<T>(data_) : std::move(fallback); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  void CheckOk() const;
  std::variant<T, Status> data_;
};

namespace internal {
[[noreturn]] void DieOnBadResultAccess(const Status& status);
}  // namespace internal

template <typename T>
void Result<T>::CheckOk() const {
  if (!ok()) internal::DieOnBadResultAccess(std::get<Status>(data_));
}

}  // namespace edgeloop

#define EL_CONCAT_INNER_(a, b) a##b
#define EL_CONCAT_(a, b) EL_CONCAT_INNER_(a, b)

// Returns from the current function when `expr` (a Status) is not OK.
#define EL_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::edgeloop::Status el_status_ = (expr);  \
    if (!el_status_.ok()) return el_status_; \
  } while (false)

// EL_ASSIGN_OR_RETURN(auto x, MakeX()); binds the value or returns the error.
#define EL_ASSIGN_OR_RETURN(lhs, expr) \
  EL_ASSIGN_OR_RETURN_IMPL_(EL_CONCAT_(el_result_, __LINE__), lhs, expr)
#define EL_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
