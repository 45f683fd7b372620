// tessera_detect_bench: times tessera's detectors (engine/detect) on photographs, one JSON line
// per (model, threads) configuration, to set beside OpenCV's Python binding running the same
// model files on the same pixels (bench/peers/detect_peer.py; bench/run_detect.sh runs both).
//
//   tessera_detect_bench [--iters N] [--threads T] [--models a,b] FILE...
//
// Images are decoded once with OpenCV's imread (the peer's decoder, so both time the same
// pixels). One timed call is Detector::Detect on the BGR image: for cascades the grey
// conversion and detectMultiScale, for HOG detectMultiScale, as the peer does. OpenCV runs
// single-threaded (cv::setNumThreads(0), as tessera's workers run it); "threads=T" runs T
// detections at once, each on its own model instance (the pool in engine/detect).
//
// Reported: median_ms (one detection, wall time), cpu_ms (median process CPU time of one
// detection: less disturbed than wall time when other processes compete for the cores; threads=1
// only), per_image_ms (wall time / items: throughput), boxes (total boxes found over the images,
// to check both sides found the same).
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <thread>
#include <vector>

#include "engine/detect/detector.h"
#include "engine/detect/model_registry.h"

using tessera::engine::detect::DetectOptions;
using tessera::engine::detect::FindModel;

int main(int argc, char** argv) {
  int iters = 5;
  int threads = 1;
  std::vector<std::string> models = {"face", "face_alt",  "face_lbp",   "profile_face",
                                     "eye",  "full_body", "upper_body", "people"};
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--iters" && i + 1 < argc) {
      iters = std::atoi(argv[++i]);
    } else if (a == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (a == "--models" && i + 1 < argc) {
      models.clear();
      std::string list = argv[++i];
      for (size_t s = 0; s <= list.size();) {
        size_t e = list.find(',', s);
        if (e == std::string::npos) e = list.size();
        models.push_back(list.substr(s, e - s));
        s = e + 1;
      }
    } else {
      files.push_back(a);
    }
  }
  cv::setNumThreads(0);
  if (auto s = tessera::engine::detect::ConfigureModels({}); !s) {
    std::fprintf(stderr, "%s\n", s.error().ToString().c_str());
    return 1;
  }
  std::vector<cv::Mat> images;
  for (const std::string& f : files) {
    cv::Mat m = cv::imread(f, cv::IMREAD_COLOR);
    if (m.empty()) {
      std::fprintf(stderr, "cannot read %s\n", f.c_str());
      return 1;
    }
    images.push_back(m);
  }
  DetectOptions options;
  options.max = 1000;
  for (const std::string& name : models) {
    auto model = FindModel(name);
    if (!model) {
      std::fprintf(stderr, "%s\n", model.error().ToString().c_str());
      return 1;
    }
    // Warm-up: one pass (also makes the pool's instances for every thread).
    size_t boxes = 0;
    for (const cv::Mat& m : images) boxes += (*model)->Detect(m, options)->size();
    const size_t items = images.size() * static_cast<size_t>(iters);
    std::vector<double> times(items);
    std::vector<double> cpu(items);
    std::atomic<size_t> next{0};
    auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        for (size_t i = next++; i < items; i = next++) {
          auto t0 = std::chrono::steady_clock::now();
          timespec c0{}, c1{};
          clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
          auto found = (*model)->Detect(images[i % images.size()], options);
          clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
          cpu[i] = (c1.tv_sec - c0.tv_sec) * 1e3 + (c1.tv_nsec - c0.tv_nsec) / 1e6;
          times[i] =
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                  .count();
          if (!found) std::abort();
        }
      });
    }
    for (auto& t : pool) t.join();
    double wall =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::sort(times.begin(), times.end());
    std::sort(cpu.begin(), cpu.end());
    std::printf(
        "{\"tool\":\"tessera\",\"model\":\"%s\",\"threads\":%d,\"median_ms\":%.1f,"
        "\"cpu_ms\":%.1f,\"per_image_ms\":%.1f,\"boxes\":%zu,\"images\":%zu}\n",
        name.c_str(), threads, times[times.size() / 2], threads == 1 ? cpu[cpu.size() / 2] : 0.0,
        wall / static_cast<double>(items), boxes, images.size());
    std::fflush(stdout);
  }
  return 0;
}
