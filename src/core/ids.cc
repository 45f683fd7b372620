#include "core/ids.h"

#include <random>

namespace tessera {
namespace {
constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
}  // namespace

std::string NewId(const Clock& clock) {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  uint64_t ms = static_cast<uint64_t>(ToUnixMillis(clock.Now())) & ((1ull << 48) - 1);
  uint64_t r1 = rng(), r2 = rng();
  std::string out(26, '0');
  // 10 chars of time (50 bits, top 2 zero), 16 chars of randomness (80 bits).
  for (int i = 9; i >= 0; --i) {
    out[i] = kAlphabet[ms & 31];
    ms >>= 5;
  }
  for (int i = 0; i < 16; ++i) {
    uint64_t& src = i < 8 ? r1 : r2;
    out[10 + i] = kAlphabet[src & 31];
    src >>= 5;
  }
  return out;
}

bool IsWellFormedId(std::string_view id) {
  if (id.size() != 26) return false;
  for (char c : id) {
    bool ok = false;
    for (const char* a = kAlphabet; *a; ++a) ok = ok || *a == c;
    if (!ok) return false;
  }
  return true;
}

}  // namespace tessera
