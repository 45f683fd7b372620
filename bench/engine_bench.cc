// tessera_engine_bench: times engine::Process in-process on real photos, one JSON line per
// (op, threads) configuration.
//
//   tessera_engine_bench [--iters N] [--warmup N] [--threads 1,2] [--ops a,b|all]
//                        [--op NAME=PIPELINE]... [--save-dir DIR] FILE...
//
// Every op encodes JPEG q=80 (the pipeline gets ";format:type=jpeg,q=80"). Each configuration
// runs in its own forked child so that its peak RSS (from wait4's rusage) is its own; the parent
// never starts libvips, so forking is safe. In the child the engine is initialised with one
// thread per image (as the CLI and workers do when running several images at once);
// "threads=T" means T worker threads each taking the next (image, iteration) item, i.e. T images
// processed concurrently.
//
// Reported per configuration:
//   median_ms      median wall time of one Process call (one image, decode + op + encode)
//   p90_ms         90th percentile of the same
//   per_image_ms   wall time of the whole run / items: the throughput figure (== ~mean latency
//                  at threads=1, lower than the latency at threads>1 when the cores scale)
//   mpx_per_s      input megapixels processed per second of wall time (throughput)
//   peak_rss_mb    peak resident set of the child (includes the encoded inputs held in memory)
//   out_bytes      mean size of the encoded output
//   cpu_ms         CPU time (user + system, all threads of the child) over the timed loop / items:
//                  less disturbed than wall time when other processes compete for the cores
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "engine/pipeline.h"

namespace {

using tessera::engine::InitializeEngine;
using tessera::engine::ParsePipeline;
using tessera::engine::Process;

constexpr const char* kEncode = "format:type=jpeg,q=80";

struct OpDef {
  std::string name;
  std::string pipeline;  // without the format step
};

// The benchmark's op set; names are shared with bench/peers/ and bench/report.py.
const std::vector<OpDef> kDefaultOps = {
    {"thumbnail", "thumbnail:w=256"},
    {"resize", "resize:w=1920"},
    {"blur", "blur:sigma=5"},
    {"sharpen", "sharpen:sigma=1"},
    {"sobel", "edges:mode=sobel"},
    {"brightness_contrast", "brightness:factor=1.2;contrast:factor=1.2"},
};
// Not in the default set: decode + encode only, the floor every op pays.
const OpDef kReencode{"reencode", ""};

struct Options {
  int iters = 3;
  int warmup = 1;
  std::vector<int> threads = {1, 2};
  std::vector<OpDef> ops;
  std::string save_dir;
  std::vector<std::string> files;
};

struct Input {
  std::string name;
  std::vector<uint8_t> bytes;
  double mpx = 0;
};

[[noreturn]] void Usage(const char* msg) {
  std::fprintf(stderr,
               "tessera_engine_bench: %s\n"
               "usage: tessera_engine_bench [--iters N] [--warmup N] [--threads 1,2]\n"
               "         [--ops thumbnail,resize,blur,sharpen,sobel,brightness_contrast,reencode"
               "|all] [--op NAME=PIPELINE]... [--save-dir DIR] FILE...\n",
               msg);
  std::exit(2);
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, sep);) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  bool ops_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Usage(("missing value for " + a).c_str());
      return argv[++i];
    };
    if (a == "--iters") {
      o.iters = std::max(1, std::stoi(next()));
    } else if (a == "--warmup") {
      o.warmup = std::max(0, std::stoi(next()));
    } else if (a == "--threads") {
      o.threads.clear();
      for (const auto& t : Split(next(), ',')) o.threads.push_back(std::max(1, std::stoi(t)));
    } else if (a == "--ops") {
      ops_given = true;
      for (const auto& name : Split(next(), ',')) {
        if (name == "all") {
          o.ops.insert(o.ops.end(), kDefaultOps.begin(), kDefaultOps.end());
          continue;
        }
        if (name == kReencode.name) {
          o.ops.push_back(kReencode);
          continue;
        }
        auto it = std::find_if(kDefaultOps.begin(), kDefaultOps.end(),
                               [&](const OpDef& d) { return d.name == name; });
        if (it == kDefaultOps.end()) Usage(("unknown op " + name).c_str());
        o.ops.push_back(*it);
      }
    } else if (a == "--op") {
      ops_given = true;
      std::string v = next();
      auto eq = v.find('=');
      if (eq == std::string::npos) Usage("--op wants NAME=PIPELINE");
      o.ops.push_back({v.substr(0, eq), v.substr(eq + 1)});
    } else if (a == "--save-dir") {
      o.save_dir = next();
    } else if (a == "-h" || a == "--help") {
      Usage("help");
    } else if (!a.empty() && a[0] == '-') {
      Usage(("unknown flag " + a).c_str());
    } else {
      o.files.push_back(a);
    }
  }
  if (!ops_given) o.ops = kDefaultOps;
  if (o.files.empty()) Usage("no input files");
  return o;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  double pos = p * (v.size() - 1);
  size_t lo = static_cast<size_t>(pos);
  size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// Runs one configuration; returns the JSON fields (without the closing brace) or an error line.
std::string RunConfig(const Options& opt, const OpDef& op, int threads) {
  std::string text = op.pipeline.empty() ? kEncode : op.pipeline + ";" + kEncode;
  auto pipeline = ParsePipeline(text);
  if (!pipeline) return "error: pipeline " + text + ": " + pipeline.error().ToString();
  if (auto s = InitializeEngine(1); !s) return "error: init: " + s.error().ToString();

  std::vector<Input> inputs;
  for (const auto& f : opt.files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) return "error: cannot read " + f;
    Input input;
    input.name = std::filesystem::path(f).stem().string();
    input.bytes.assign(std::istreambuf_iterator<char>(in), {});
    auto info = tessera::engine::Probe(input.bytes);
    if (!info) return "error: " + f + ": " + info.error().ToString();
    input.mpx = static_cast<double>(info->width) * info->height / 1e6;
    inputs.push_back(std::move(input));
  }

  // Warm-up (untimed): first-touch allocations, libjpeg tables, OpenCV dispatch. The first
  // warm-up output of each image is saved for eyeballing.
  for (int w = 0; w < opt.warmup; ++w) {
    for (const auto& input : inputs) {
      auto r = Process(input.bytes, *pipeline);
      if (!r) return "error: " + input.name + ": " + r.error().ToString();
      if (w == 0 && !opt.save_dir.empty()) {
        auto dir = std::filesystem::path(opt.save_dir) / op.name;
        std::filesystem::create_directories(dir);
        std::ofstream(dir / (input.name + ".jpg"), std::ios::binary)
            .write(reinterpret_cast<const char*>(r->bytes.data()),
                   static_cast<std::streamsize>(r->bytes.size()));
      }
    }
  }

  size_t items = inputs.size() * static_cast<size_t>(opt.iters);
  std::vector<double> ms(items, 0.0);
  std::vector<size_t> out_bytes(items, 0);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::string failure;
  std::mutex failure_mu;

  auto worker = [&] {
    for (size_t i = next++; i < items && !failed; i = next++) {
      const Input& input = inputs[i % inputs.size()];
      auto t0 = std::chrono::steady_clock::now();
      auto r = Process(input.bytes, *pipeline);
      auto t1 = std::chrono::steady_clock::now();
      if (!r) {
        std::lock_guard lock(failure_mu);
        failed = true;
        failure = input.name + ": " + r.error().ToString();
        return;
      }
      ms[i] = std::chrono::duration<double, std::milli>(t1 - t0).count();
      out_bytes[i] = r->bytes.size();
    }
  };
  struct rusage ru0 {};
  getrusage(RUSAGE_SELF, &ru0);
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  double wall_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  struct rusage ru1 {};
  getrusage(RUSAGE_SELF, &ru1);
  auto cpu_of = [](const struct rusage& r) {
    return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1000.0 +
           (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1000.0;
  };
  double cpu_ms = cpu_of(ru1) - cpu_of(ru0);
  if (failed) return "error: " + failure;

  double total_mpx = 0;
  double total_out = 0;
  std::map<std::string, std::vector<double>> by_image;
  for (size_t i = 0; i < items; ++i) {
    const Input& input = inputs[i % inputs.size()];
    total_mpx += input.mpx;
    total_out += static_cast<double>(out_bytes[i]);
    by_image[input.name].push_back(ms[i]);
  }

  char buf[512];
  std::string json = "{\"tool\":\"tessera\",\"op\":\"" + JsonEscape(op.name) +
                     "\",\"pipeline\":\"" + JsonEscape(text) + "\"";
  std::snprintf(buf, sizeof buf,
                ",\"threads\":%d,\"images\":%zu,\"iters\":%d,\"median_ms\":%.2f,\"p90_ms\":%.2f,"
                "\"per_image_ms\":%.2f,\"mpx_per_s\":%.2f,\"in_mpx_mean\":%.3f,"
                "\"out_bytes\":%.0f,\"cpu_ms\":%.2f",
                threads, inputs.size(), opt.iters, Percentile(ms, 0.5), Percentile(ms, 0.9),
                wall_ms / items, total_mpx / (wall_ms / 1000.0), total_mpx / items,
                total_out / items, cpu_ms / items);
  json += buf;
  json += ",\"per_image_median_ms\":{";
  bool first = true;
  for (const auto& [name, v] : by_image) {
    std::snprintf(buf, sizeof buf, "%s\"%s\":%.2f", first ? "" : ",", JsonEscape(name).c_str(),
                  Percentile(v, 0.5));
    json += buf;
    first = false;
  }
  json += "}";
  return json;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt = ParseArgs(argc, argv);
  int status = 0;
  for (const auto& op : opt.ops) {
    for (int threads : opt.threads) {
      int fds[2];
      if (pipe(fds) != 0) {
        std::perror("pipe");
        return 1;
      }
      std::fflush(stdout);
      pid_t pid = fork();
      if (pid < 0) {
        std::perror("fork");
        return 1;
      }
      if (pid == 0) {
        close(fds[0]);
        std::string line = RunConfig(opt, op, threads);
        size_t off = 0;
        while (off < line.size()) {
          ssize_t n = write(fds[1], line.data() + off, line.size() - off);
          if (n <= 0) break;
          off += static_cast<size_t>(n);
        }
        close(fds[1]);
        _exit(line.rfind("error:", 0) == 0 ? 1 : 0);
      }
      close(fds[1]);
      std::string line;
      char chunk[4096];
      for (ssize_t n; (n = read(fds[0], chunk, sizeof chunk)) > 0;) line.append(chunk, n);
      close(fds[0]);
      int wstatus = 0;
      struct rusage ru {};
      wait4(pid, &wstatus, 0, &ru);
      if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0 || line.rfind("error:", 0) == 0) {
        std::fprintf(stderr, "tessera_engine_bench: op %s threads %d failed: %s\n", op.name.c_str(),
                     threads, line.empty() ? "(child died)" : line.c_str());
        status = 1;
        continue;
      }
      // ru_maxrss is in KiB on Linux.
      std::printf("%s,\"peak_rss_mb\":%.1f}\n", line.c_str(), ru.ru_maxrss / 1024.0);
      std::fflush(stdout);
    }
  }
  return status;
}
