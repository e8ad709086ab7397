// Result<T, E>: a value or an error, for expected failures (see STYLE.md "errors are values").
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "common/status.h"

namespace jobstream {

template <typename E>
struct Unexpected {
  E error;
};

template <typename E>
Unexpected<std::decay_t<E>> MakeUnexpected(E&& error) {
  return Unexpected<std::decay_t<E>>{std::forward<E>(error)};
}

// Holds either a T (success) or an E (failure). Accessing the wrong side is a programmer error.
template <typename T, typename E = Status>
class Result {
 public:
  Result(T value) : storage_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Unexpected<E> failure)                                            // NOLINT: implicit by design
      : storage_(std::in_place_index<1>, std::move(failure.error)) {}
  template <typename U = E, typename = std::enable_if_t<std::is_same_v<U, Status>>>
  Result(Status status) : storage_(std::in_place_index<1>, std::move(status)) {  // NOLINT
    assert(!std::get<1>(storage_).ok());
  }

  bool ok() const { return storage_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(storage_); }
  const T& value() const& { return std::get<0>(storage_); }
  T&& value() && { return std::get<0>(std::move(storage_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const E& error() const { return std::get<1>(storage_); }

 private:
  std::variant<T, E> storage_;
};

}  // namespace jobstream
