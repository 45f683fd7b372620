// InstancePool: one OpenCV model object per concurrent caller. cv::CascadeClassifier,
// cv::HOGDescriptor and cv::dnn::Net keep scratch state inside, so two threads must not run the
// same instance at once; rather than serialise every detection on one lock, each caller borrows an
// idle instance (made by the factory, from the same file, when none is idle) and returns it.
// At most as many instances exist as callers ever ran at the same time.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/result.h"

namespace tessera::engine::detect {

template <class T>
class InstancePool {
 public:
  using Factory = std::function<Result<std::unique_ptr<T>>()>;

  // A borrowed instance; returned to the pool when destroyed.
  class Lease {
   public:
    Lease(InstancePool* pool, std::unique_ptr<T> item) : pool_(pool), item_(std::move(item)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease() {
      if (item_ != nullptr) pool_->Return(std::move(item_));
    }
    T& operator*() { return *item_; }
    T* operator->() { return item_.get(); }

   private:
    InstancePool* pool_;
    std::unique_ptr<T> item_;
  };

  // `first` is an instance already made (and checked) by the loader.
  InstancePool(Factory factory, std::unique_ptr<T> first) : factory_(std::move(factory)) {
    idle_.push_back(std::move(first));
  }

  // An idle instance, or a new one; the factory's error when it cannot make one.
  Result<Lease> Acquire() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        std::unique_ptr<T> item = std::move(idle_.back());
        idle_.pop_back();
        return Lease(this, std::move(item));
      }
    }
    auto made = factory_();
    if (!made) return made.error();
    return Lease(this, std::move(*made));
  }

 private:
  void Return(std::unique_ptr<T> item) {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(item));
  }

  Factory factory_;
  std::mutex mu_;
  std::vector<std::unique_ptr<T>> idle_;  // guarded by mu_
};

}  // namespace tessera::engine::detect
