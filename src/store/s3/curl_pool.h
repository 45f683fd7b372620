// CurlPool: reusable libcurl easy handles, so consecutive requests to the same server reuse a
// kept-alive connection (and its TLS session) instead of connecting again.
//
// Thread-safe. A handle is used by one thread at a time: Acquire hands it out, the Lease gives
// it back when destroyed (up to max_idle handles are kept; the rest are closed).
#pragma once

#include <curl/curl.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace tessera::store {

class CurlPool {
 public:
  explicit CurlPool(size_t max_idle);
  ~CurlPool();
  CurlPool(const CurlPool&) = delete;
  CurlPool& operator=(const CurlPool&) = delete;

  class Lease {
   public:
    Lease(CurlPool* pool, CURL* handle) : pool_(pool), handle_(handle) {}
    ~Lease();
    Lease(Lease&& other) noexcept : pool_(other.pool_), handle_(other.handle_) {
      other.handle_ = nullptr;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    CURL* get() const { return handle_; }

   private:
    CurlPool* pool_;
    CURL* handle_;
  };

  // A handle with every option reset (curl_easy_reset keeps its connection cache). Null only if
  // libcurl cannot allocate one.
  Lease Acquire();

 private:
  void Release(CURL* handle);

  const size_t max_idle_;
  std::mutex mu_;
  std::vector<CURL*> idle_;  // guarded by mu_
};

}  // namespace tessera::store
