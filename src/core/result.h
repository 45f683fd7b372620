// Result<T>: a value or a tessera::Error. Its API is a subset of C++23 std::expected
// (has_value, operator bool, value, error, *, ->) so it can be renamed once Debian's
// toolchains all build <expected> (clang 14 with libstdc++ 12 does not).
//
// Expected failures are values; broken invariants abort. Accessing value() of an error, or
// error() of a value, is a broken invariant and aborts.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/error.h"

namespace tessera {

namespace detail {
[[noreturn]] inline void ResultAccessAbort(const char* what) {
  std::fprintf(stderr, "tessera: bad Result access: %s\n", what);
  std::abort();
}
}  // namespace detail

// Wraps an Error so that `return Unexpected(err);` reads like std::unexpected.
struct Unexpected {
  explicit Unexpected(Error e) : error(std::move(e)) {}
  Error error;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}     // NOLINT
  Result(Unexpected u) : v_(std::in_place_index<1>, std::move(u.error)) {}  // NOLINT

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    if (!has_value()) detail::ResultAccessAbort(std::get<1>(v_).ToString().c_str());
    return std::get<0>(v_);
  }
  const T& value() const& {
    if (!has_value()) detail::ResultAccessAbort(std::get<1>(v_).ToString().c_str());
    return std::get<0>(v_);
  }
  T&& value() && {
    if (!has_value()) detail::ResultAccessAbort(std::get<1>(v_).ToString().c_str());
    return std::get<0>(std::move(v_));
  }
  const Error& error() const& {
    if (has_value()) detail::ResultAccessAbort("error() on a value");
    return std::get<1>(v_);
  }
  Error&& error() && {
    if (has_value()) detail::ResultAccessAbort("error() on a value");
    return std::get<1>(std::move(v_));
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}     // NOLINT
  Result(Unexpected u) : error_(std::move(u.error)), ok_(false) {}  // NOLINT

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  void value() const {
    if (!ok_) detail::ResultAccessAbort(error_.ToString().c_str());
  }
  const Error& error() const {
    if (ok_) detail::ResultAccessAbort("error() on a value");
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Status OkStatus() { return Status(); }

}  // namespace tessera
