#include "api/request_identity.h"

#include <algorithm>
#include <cctype>

#include "core/clock.h"
#include "core/ids.h"

namespace tessera::api {
namespace {

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // Every byte of the longer string is visited whatever the contents, so the time taken says
  // nothing about where the strings differ.
  size_t n = std::max(a.size(), b.size());
  unsigned diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned>(x ^ y);
  }
  return diff == 0;
}

bool IsRequestIdSafe(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool BearerKeyAccepted(std::string_view authorization, const std::vector<std::string>& keys) {
  if (keys.empty()) return true;
  constexpr std::string_view kPrefix = "Bearer ";
  if (authorization.size() <= kPrefix.size()) return false;
  for (size_t i = 0; i < kPrefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
        std::tolower(static_cast<unsigned char>(kPrefix[i]))) {
      return false;
    }
  }
  std::string_view given = authorization.substr(kPrefix.size());
  bool accepted = false;
  for (const std::string& key : keys) accepted |= ConstantTimeEquals(given, key);
  return accepted;
}

std::string RequestIdOrNew(std::string_view given) {
  if (IsRequestIdSafe(given)) return std::string(given);
  return NewId(SystemClock::Get());
}

}  // namespace tessera::api
