#include "cli/bench_load.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "api/http/client.h"

namespace tessera::cli {
namespace {

using Steady = std::chrono::steady_clock;

enum class Kind { kValid, kOversized, kWrongType };
constexpr const char* kKindNames[] = {"valid", "oversized", "wrong-type"};

struct Sample {
  Kind kind;
  int status;  // 0: no answer (connection failed or timed out)
  double ms;
};

// A PNG whose header declares 100000 x 100000 pixels: refused from the header, never decoded.
std::vector<uint8_t> OversizedPng() {
  std::vector<uint8_t> png = {0x89, 'P', 'N',  'G',  '\r', '\n', 0x1a, '\n', 0,    0,
                              0,    13,  'I',  'H',  'D',  'R',  0,    1,    0x86, 0xa0,
                              0,    1,   0x86, 0xa0, 8,    2,    0,    0,    0};
  uint32_t crc = 0xffffffffu;
  for (size_t i = 12; i < png.size(); ++i) {
    crc ^= png[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  crc = ~crc;
  for (int i = 3; i >= 0; --i) png.push_back(static_cast<uint8_t>(crc >> (8 * i)));
  return png;
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t at = static_cast<size_t>(p / 100.0 * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(at, values.size() - 1)];
}

void PrintLatencies(const char* label, const std::vector<double>& ms) {
  std::printf("  %-12s %7zu  p50 %8.1f  p90 %8.1f  p99 %8.1f  max %8.1f ms\n", label, ms.size(),
              Percentile(ms, 50), Percentile(ms, 90), Percentile(ms, 99),
              ms.empty() ? 0.0 : *std::max_element(ms.begin(), ms.end()));
}

}  // namespace

Status RunLoad(const LoadOptions& options, const std::vector<std::vector<uint8_t>>& images) {
  const std::string prefix = "http://";
  if (options.server.rfind(prefix, 0) != 0) {
    return MakeError(ErrorCode::kBadRequest, "--server must be http://host:port", "server");
  }
  std::string hostport = options.server.substr(prefix.size());
  if (auto slash = hostport.find('/'); slash != std::string::npos) hostport.resize(slash);
  const auto colon = hostport.rfind(':');
  if (colon == std::string::npos || colon + 1 == hostport.size()) {
    return MakeError(ErrorCode::kBadRequest, "--server must name a port: http://host:port",
                     "server");
  }
  const std::string host = hostport.substr(0, colon);
  const int port = std::atoi(hostport.c_str() + colon + 1);
  if (options.route != "process" && options.route != "jobs") {
    return MakeError(ErrorCode::kBadRequest, "--route must be process or jobs", "route");
  }
  const int total_weight = options.valid + options.oversized + options.wrong_type;
  if (total_weight <= 0 || options.valid < 0 || options.oversized < 0 || options.wrong_type < 0) {
    return MakeError(ErrorCode::kBadRequest, "the mix weights must be >= 0 and not all 0", "mix");
  }
  if (options.valid > 0 && images.empty()) {
    return MakeError(ErrorCode::kBadRequest, "valid requests need at least one image", "images");
  }

  const std::vector<uint8_t> oversized = OversizedPng();
  const std::string text = "this is a text file, not an image\n";
  const std::vector<uint8_t> wrong_type(text.begin(), text.end());
  const std::string target =
      "/v1/" + options.route + "?pipeline=" + api::http::HttpClient::Encode(options.pipeline);

  std::atomic<int64_t> issued{0};
  std::mutex mu;
  std::vector<Sample> samples;
  const auto start = Steady::now();
  const auto end = start + options.duration;
  auto client_loop = [&] {
    api::http::HttpClient client(host, port, std::chrono::seconds(120));
    for (int64_t i = issued++; i < options.requests && Steady::now() < end; i = issued++) {
      // A fixed interleaving of the kinds by weight: i mod total picks one.
      const int slot = static_cast<int>(i % total_weight);
      const Kind kind = slot < options.valid                       ? Kind::kValid
                        : slot < options.valid + options.oversized ? Kind::kOversized
                                                                   : Kind::kWrongType;
      std::span<const uint8_t> body =
          kind == Kind::kValid       ? std::span<const uint8_t>(images[i % images.size()])
          : kind == Kind::kOversized ? std::span<const uint8_t>(oversized)
                                     : std::span<const uint8_t>(wrong_type);
      api::http::ClientRequest request{.method = "POST", .target = target, .body = body};
      if (!options.api_key.empty()) {
        request.headers.emplace_back("Authorization", "Bearer " + options.api_key);
      }
      const auto sent = Steady::now();
      auto response = client.Send(request);
      const double ms = std::chrono::duration<double, std::milli>(Steady::now() - sent).count();
      std::lock_guard<std::mutex> lock(mu);
      samples.push_back({kind, response ? static_cast<int>(response->status) : 0, ms});
    }
  };
  {
    std::vector<std::jthread> clients;
    for (int c = 0; c < std::max(1, options.concurrency); ++c) clients.emplace_back(client_loop);
  }
  const double seconds = std::chrono::duration<double>(Steady::now() - start).count();

  std::map<std::pair<int, int>, int64_t> by_kind_status;
  std::vector<double> all_ms, kind_ms[3];
  for (const Sample& s : samples) {
    ++by_kind_status[{static_cast<int>(s.kind), s.status}];
    all_ms.push_back(s.ms);
    kind_ms[static_cast<int>(s.kind)].push_back(s.ms);
  }
  std::printf("load: %zu requests to %s%s in %.2f s with %d clients: %.1f requests/s\n",
              samples.size(), options.server.c_str(), target.c_str(), seconds, options.concurrency,
              seconds > 0 ? static_cast<double>(samples.size()) / seconds : 0);
  std::printf("status codes (0: no answer):\n");
  for (const auto& [key, count] : by_kind_status) {
    std::printf("  %-12s %3d  %7lld\n", kKindNames[key.first], key.second,
                static_cast<long long>(count));
  }
  std::printf("latency:\n");
  PrintLatencies("all", all_ms);
  for (int k = 0; k < 3; ++k) {
    if (!kind_ms[k].empty()) PrintLatencies(kKindNames[k], kind_ms[k]);
  }
  return OkStatus();
}

}  // namespace tessera::cli
