// tessera submit: a client of a running `tessera serve`. Uploads each file as a durable job,
// and with --wait follows the jobs to the end and downloads the results.
//
//   tessera submit photos/ --server http://127.0.0.1:8080 -p 'thumbnail:w=256' --wait -o thumbs/
//
// Exit status: 0 when every job was accepted (and, with --wait, succeeded); 1 otherwise.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/http/client.h"
#include "cli/commands.h"
#include "cli/input_walk.h"
#include "cli/progress.h"
#include "core/file_io.h"
#include "engine/format_sniff.h"
#include "engine/image.h"

namespace tessera::cli {
namespace {

using api::http::ClientRequest;
using api::http::ClientResponse;
using api::http::HttpClient;

struct SubmitArgs {
  std::vector<std::string> inputs;
  std::string server = "http://127.0.0.1:8080";
  std::string pipeline;
  std::string priority;
  std::string api_key;
  std::string out_dir;
  bool wait = false;
  int64_t poll_ms = 250;
  int64_t wait_timeout_ms = 3'600'000;
};

struct Submitted {
  InputFile input;
  std::string job_id;
  std::string state;
  bool finished = false;
  bool ok = false;
};

std::string ErrorText(const ClientResponse& r) {
  auto j = nlohmann::json::parse(r.text(), nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    std::string code = j["error"].value("code", "");
    std::string message = j["error"].value("message", "");
    return code + ": " + message;
  }
  return "HTTP " + std::to_string(r.status);
}

std::vector<std::pair<std::string, std::string>> AuthHeaders(const SubmitArgs& args) {
  if (args.api_key.empty()) return {};
  return {{"Authorization", "Bearer " + args.api_key}};
}

// Sends, waiting out 429/503 as Retry-After says (up to 10 times).
Result<ClientResponse> SendPatiently(HttpClient& client, const ClientRequest& request) {
  for (int attempt = 0;; ++attempt) {
    auto r = client.Send(request);
    if (!r) return r;
    if ((r->status != 429 && r->status != 503) || attempt >= 10) return r;
    int seconds = std::atoi(r->header("retry-after").c_str());
    std::this_thread::sleep_for(std::chrono::seconds(std::clamp(seconds, 1, 30)));
  }
}

int Run(const SubmitArgs& args) {
  auto address = api::http::ParseServerUrl(args.server);
  if (!address) {
    std::fprintf(stderr, "tessera submit: %s\n", address.error().ToString().c_str());
    return 2;
  }
  auto inputs = CollectInputs(args.inputs);
  if (!inputs) {
    std::fprintf(stderr, "tessera submit: %s\n", inputs.error().ToString().c_str());
    return 2;
  }
  if (!args.out_dir.empty() && !args.wait) {
    std::fprintf(stderr, "tessera submit: -o needs --wait (results exist once jobs finish)\n");
    return 2;
  }
  HttpClient client(address->host, address->port);
  std::string target = "/v1/jobs?pipeline=" + HttpClient::Encode(args.pipeline);
  if (!args.priority.empty()) target += "&priority=" + HttpClient::Encode(args.priority);

  std::vector<Submitted> jobs;
  bool all_ok = true;
  for (const InputFile& input : *inputs) {
    auto bytes = ReadFile(input.path);
    if (!bytes) {
      std::fprintf(stderr, "%s: %s\n", input.path.c_str(), bytes.error().ToString().c_str());
      all_ok = false;
      continue;
    }
    ClientRequest request{
        .method = "POST", .target = target, .headers = AuthHeaders(args), .body = *bytes};
    request.headers.emplace_back("Content-Type", "application/octet-stream");
    auto r = SendPatiently(client, request);
    if (!r) {
      std::fprintf(stderr, "tessera submit: %s\n", r.error().ToString().c_str());
      return 1;
    }
    if (r->status != 202 && r->status != 200) {
      std::fprintf(stderr, "%s: %s\n", input.path.c_str(), ErrorText(*r).c_str());
      all_ok = false;
      continue;
    }
    auto j = nlohmann::json::parse(r->text(), nullptr, false);
    std::string id = j.is_object() ? j.value("id", "") : "";
    std::printf("%s\t%s\n", id.c_str(), input.path.c_str());
    std::fflush(stdout);
    jobs.push_back({input, id, j.value("state", ""), false, false});
  }
  if (!args.wait) return all_ok ? 0 : 1;

  Progress progress(jobs.size(), isatty(STDERR_FILENO) != 0);
  const std::chrono::milliseconds timeout(args.wait_timeout_ms);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t open = jobs.size();
  while (open > 0 && std::chrono::steady_clock::now() < deadline) {
    for (Submitted& job : jobs) {
      if (job.finished) continue;
      ClientRequest get{
          .method = "GET", .target = "/v1/jobs/" + job.job_id, .headers = AuthHeaders(args)};
      auto r = client.Send(get);
      if (!r) {
        std::fprintf(stderr, "tessera submit: %s\n", r.error().ToString().c_str());
        return 1;
      }
      auto j = nlohmann::json::parse(r->text(), nullptr, false);
      if (r->status != 200 || !j.is_object()) {
        std::fprintf(stderr, "%s: %s\n", job.input.path.c_str(), ErrorText(*r).c_str());
        job.finished = true;
      } else {
        job.state = j.value("state", "");
        if (job.state == "succeeded" || job.state == "dead" || job.state == "cancelled") {
          job.finished = true;
          job.ok = job.state == "succeeded";
          if (!job.ok && j["error"].is_object()) {
            std::fprintf(stderr, "%s: job %s %s: %s\n", job.input.path.c_str(), job.job_id.c_str(),
                         job.state.c_str(), j["error"].value("message", "").c_str());
          }
        }
      }
      if (!job.finished) continue;
      --open;
      if (job.ok && !args.out_dir.empty()) {
        ClientRequest fetch{.method = "GET",
                            .target = "/v1/jobs/" + job.job_id + "/result",
                            .headers = AuthHeaders(args)};
        auto result = client.Send(fetch);
        if (!result || result->status != 200) {
          std::fprintf(stderr, "%s: result download failed: %s\n", job.input.path.c_str(),
                       result ? ErrorText(*result).c_str() : result.error().ToString().c_str());
          job.ok = false;
        } else {
          auto format = engine::SniffFormat(result->body);
          auto path = OutputPathFor(job.input, args.out_dir,
                                    format ? engine::FormatExtension(*format) : "bin");
          std::error_code ec;
          std::filesystem::create_directories(path.parent_path(), ec);
          if (auto ok = WriteFileAtomically(path, result->body); !ok) {
            std::fprintf(stderr, "%s: %s\n", path.c_str(), ok.error().ToString().c_str());
            job.ok = false;
          }
        }
      }
      progress.Done(job.ok);
    }
    if (open > 0) std::this_thread::sleep_for(std::chrono::milliseconds(args.poll_ms));
  }
  progress.Finish();
  if (open > 0) {
    std::fprintf(stderr,
                 "tessera submit: %zu jobs still unfinished after %lld ms (--wait-timeout-ms)\n",
                 open, static_cast<long long>(timeout.count()));
    return 1;
  }
  for (const Submitted& job : jobs) all_ok = all_ok && job.ok;
  return all_ok ? 0 : 1;
}

}  // namespace

Command RegisterSubmitCommand(CLI::App& app) {
  auto args = std::make_shared<SubmitArgs>();
  auto* cmd = app.add_subcommand("submit", "upload images to a tessera server as durable jobs");
  cmd->add_option("inputs", args->inputs, "image files or directories")->required();
  cmd->add_option("--server", args->server, "server URL")
      ->envname("TESSERA_SERVER")
      ->capture_default_str();
  cmd->add_option("-p,--pipeline", args->pipeline, "the pipeline (text or JSON)")->required();
  cmd->add_option("--priority", args->priority, "high, normal or low");
  cmd->add_option("--api-key", args->api_key, "sent as Authorization: Bearer <key>")
      ->envname("TESSERA_API_KEY");
  // The same spellings as `tessera jobs submit` (issue 17); --out and --timeout-s, the older
  // ones, stay accepted.
  cmd->add_flag("-w,--wait", args->wait, "follow the jobs until they finish");
  cmd->add_option("-o,--output,--out", args->out_dir,
                  "with --wait: download results into this directory");
  cmd->add_option("--poll-ms", args->poll_ms, "status poll interval")->capture_default_str();
  auto* timeout =
      cmd->add_option("--wait-timeout-ms", args->wait_timeout_ms, "give up waiting after this")
          ->check(CLI::PositiveNumber)
          ->capture_default_str();
  cmd->add_option_function<int64_t>(
         "--timeout-s", [args](int64_t s) { args->wait_timeout_ms = s * 1000; },
         "--wait-timeout-ms in seconds (older spelling)")
      ->check(CLI::PositiveNumber)
      ->excludes(timeout)
      ->group("");
  return {cmd, [args] { return Run(*args); }};
}

}  // namespace tessera::cli
