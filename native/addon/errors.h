// Turning native failures into JavaScript errors of the right class. Every binding body runs inside
// guarded(): octet::Error becomes TypeError/RangeError/Error with its message, std::bad_alloc an
// Error saying memory ran out, anything else an Error — nothing escapes to crash the process.
#pragma once

#include <napi.h>

#include <new>
#include <string>

#include "../core/status.h"

namespace octet::addon {

inline Napi::Error to_js_error(Napi::Env env, const Error& e) {
  switch (e.kind()) {
    case ErrorKind::kType: return Napi::TypeError::New(env, e.what());
    case ErrorKind::kRange: return Napi::RangeError::New(env, e.what());
    default: return Napi::Error::New(env, e.what());
  }
}

template <typename Fn>
Napi::Value guarded(Napi::Env env, Fn&& fn) {
  try {
    return fn();
  } catch (const Napi::Error&) {
    throw;
  } catch (const Error& e) {
    throw to_js_error(env, e);
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(env, "octet: out of memory");
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("octet: ") + e.what());
  }
}

}  // namespace octet::addon
