#include "store/s3/curl_pool.h"

namespace tessera::store {
namespace {

// curl_global_init is not thread-safe; it runs once, before the first handle.
void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

CurlPool::CurlPool(size_t max_idle) : max_idle_(max_idle) { GlobalInitOnce(); }

CurlPool::~CurlPool() {
  for (CURL* h : idle_) curl_easy_cleanup(h);
}

CurlPool::Lease::~Lease() {
  if (handle_ != nullptr) pool_->Release(handle_);
}

CurlPool::Lease CurlPool::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      CURL* h = idle_.back();
      idle_.pop_back();
      curl_easy_reset(h);
      return Lease(this, h);
    }
  }
  return Lease(this, curl_easy_init());
}

void CurlPool::Release(CURL* handle) {
  {
    std::lock_guard lock(mu_);
    if (idle_.size() < max_idle_) {
      idle_.push_back(handle);
      return;
    }
  }
  curl_easy_cleanup(handle);
}

}  // namespace tessera::store
