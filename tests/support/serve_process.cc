#include "support/serve_process.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace tessera::testing {

std::unique_ptr<ServeProcess> ServeProcess::Start(const std::filesystem::path& dir,
                                                  const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {
      "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", (dir / "data").string()};
  // gRPC on a free port unless the test chooses: parallel tests never share 9090.
  bool grpc_chosen = false;
  for (const auto& a : extra_args) {
    grpc_chosen = grpc_chosen || a.rfind("--grpc-port", 0) == 0 || a == "--no-grpc";
  }
  if (!grpc_chosen) args.insert(args.end(), {"--grpc-port", "0"});
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  auto serve = std::unique_ptr<ServeProcess>(new ServeProcess());
  serve->process_ = StartTessera(args, dir);
  bool listening = WaitFor(
      [&] {
        serve->port_ = LoggedPort(serve->process_->Stderr(), "http_listening");
        return serve->port_ != 0 || !serve->process_->Running();
      },
      std::chrono::seconds(20));
  if (!listening || serve->port_ == 0) {
    ADD_FAILURE() << "tessera serve did not start; stderr:\n" << serve->process_->Stderr();
    return nullptr;
  }
  return serve;
}

std::vector<std::string> LogLines(const std::string& text, const std::string& event) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  const std::string needle = "\"event\":\"" + event + "\"";
  while (std::getline(in, line)) {
    if (line.find(needle) == std::string::npos) continue;
    if (!nlohmann::json::accept(line)) continue;
    out.push_back(line);
  }
  return out;
}

int LoggedPort(const std::string& text, const std::string& event) {
  for (const std::string& line : LogLines(text, event)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.contains("port")) return std::stoi(j["port"].get<std::string>());
  }
  return 0;
}

}  // namespace tessera::testing
