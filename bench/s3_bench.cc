// Put and get throughput of tessera's S3 store (S3BlobStore) against an S3 server, for
// bench/run_s3.sh, which runs awscli against the same server in the same run.
//
//   tessera_s3_bench --store s3://... --size-mb N --rounds R --dir DIR
// Prints, per operation, the median wall time of R rounds and MB/s (1 MB = 2^20 bytes):
//   put_memory  Put from a buffer          get_memory  Get into a buffer
//   put_file    PutFile from DIR           get_file    GetToFile into DIR
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/file_io.h"
#include "store/s3/s3_blob_store.h"

namespace {

using tessera::Status;

double MedianSeconds(int rounds, const std::function<Status(int)>& op) {
  std::vector<double> times;
  for (int i = 0; i < rounds; ++i) {
    auto start = std::chrono::steady_clock::now();
    Status s = op(i);
    if (!s) {
      std::fprintf(stderr, "failed: %s\n", s.error().ToString().c_str());
      std::exit(1);
    }
    times.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::string url, dir = "/tmp";
  int size_mb = 1, rounds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--store") url = argv[i + 1];
    if (flag == "--size-mb") size_mb = std::atoi(argv[i + 1]);
    if (flag == "--rounds") rounds = std::atoi(argv[i + 1]);
    if (flag == "--dir") dir = argv[i + 1];
  }
  auto env = [](const char* name) -> const char* { return std::getenv(name); };
  auto options = tessera::store::ParseS3Url(url, {}, env);
  if (!options) {
    std::fprintf(stderr, "%s\n", options.error().ToString().c_str());
    return 2;
  }
  tessera::store::S3BlobStore store(*options);
  const size_t n = static_cast<size_t>(size_mb) << 20;
  std::vector<uint8_t> bytes(n);
  uint32_t x = 12345;
  for (auto& b : bytes) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<uint8_t>(x >> 24);
  }
  const std::filesystem::path src = std::filesystem::path(dir) / "bench-src.bin";
  const std::filesystem::path dst = std::filesystem::path(dir) / "bench-dst.bin";
  if (!tessera::WriteFileAtomically(src, bytes)) return 1;
  const std::string key = "bench/" + std::to_string(size_mb) + "mb";

  auto report = [&](const char* name, double seconds) {
    std::printf("tessera %-11s %4d MB  median %8.1f ms  %7.1f MB/s\n", name, size_mb,
                seconds * 1000, size_mb / seconds);
  };
  report("put_memory", MedianSeconds(rounds, [&](int) { return store.Put(key, bytes); }));
  report("get_memory", MedianSeconds(rounds, [&](int) -> Status {
           auto got = store.Get(key, UINT64_MAX);
           if (!got) return got.error();
           if (got->size() != n) return tessera::MakeError(tessera::ErrorCode::kInternal, "size");
           return tessera::OkStatus();
         }));
  report("put_file", MedianSeconds(rounds, [&](int) { return store.PutFile(key, src); }));
  report("get_file",
         MedianSeconds(rounds, [&](int) { return store.GetToFile(key, dst, UINT64_MAX); }));
  std::filesystem::remove(src);
  std::filesystem::remove(dst);
  return 0;
}
