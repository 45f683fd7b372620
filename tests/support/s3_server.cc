#include "support/s3_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "support/loopback.h"
#include "support/subprocess.h"

namespace tessera::testing {
namespace {

// True once something on `port` answers an HTTP request with an HTTP status line (with
// `tls`, once it accepts connections: its TLS handshake is not spoken here).
bool AnswersHttp(int port, bool tls) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  timeval tv{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = false;
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  if (connected && tls) {
    ok = true;
  } else if (connected) {
    constexpr char kGet[] = "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::write(fd, kGet, sizeof kGet - 1) == static_cast<ssize_t>(sizeof kGet - 1)) {
      char buf[16] = {};
      ssize_t n = ::read(fd, buf, sizeof buf - 1);
      ok = n > 0 && std::string(buf, static_cast<size_t>(n)).rfind("HTTP/", 0) == 0;
    }
  }
  ::close(fd);
  return ok;
}

}  // namespace

S3Server::S3Server(S3ServerOptions options) : options_(std::move(options)) {}

S3Server::~S3Server() { Kill(); }

std::string S3Server::ScriptPath() {
  // Tests never setenv, so reading the environment cannot race.
  const char* dir = std::getenv("TESSERA_S3_SERVER_DIR");  // NOLINT(concurrency-mt-unsafe)
  std::string base = dir != nullptr && *dir != '\0' ? dir : TESSERA_S3_SERVER_DIR;
  return base + "/node_modules/s3rver/bin/s3rver.js";
}

std::string S3Server::endpoint() const {
  return std::string(options_.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

std::string S3Server::StoreUrl(const std::string& prefix, const std::string& extra) const {
  return "s3://" + options_.bucket + (prefix.empty() ? "" : "/" + prefix) +
         "?endpoint=" + endpoint() + "&path_style=1&access_key=" + kAccessKey +
         "&secret_key=" + kSecretKey + extra;
}

std::string S3Server::LogTail() const {
  std::ifstream log(dir_.path() / "s3rver.log");
  std::stringstream text;
  text << log.rdbuf();
  std::string all = text.str();
  return all.size() > 2000 ? all.substr(all.size() - 2000) : all;
}

Status S3Server::Start() {
  if (pid_ > 0) return OkStatus();
  if (::access(ScriptPath().c_str(), R_OK) != 0) {
    return MakeError(ErrorCode::kUnavailable,
                     "s3rver not found at " + ScriptPath() + " (run scripts/install-s3-server.sh)");
  }
  if (options_.tls && !std::filesystem::exists(certificate())) {
    auto made =
        RunProcess({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                    "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", (dir_.path() / "key.pem").string(), "-out", certificate().string()});
    if (made.exit_code != 0) {
      return MakeError(ErrorCode::kUnavailable, "openssl could not make a certificate", {},
                       made.err);
    }
  }
  const bool first_start = port_ == 0;
  for (int tries = 0;; ++tries) {
    if (first_start) port_ = PickFreeLoopbackPort();
    Status started = SpawnAndWait();
    if (started || !first_start || tries == 4) return started;
  }
}

Status S3Server::SpawnAndWait() {
  std::filesystem::create_directories(data_dir());
  // s3rver encrypts its list continuation tokens with DES, which Node.js 17+ (OpenSSL 3) only
  // offers with the legacy provider.
  std::vector<std::string> argv = {
      "/usr/bin/env", "node", "--openssl-legacy-provider", ScriptPath(), "--directory",
      data_dir().string(), "--address", "127.0.0.1", "--port", std::to_string(port_),
      // Virtual-host requests to BUCKET.s3.localhost:PORT.
      "--service-endpoint", "localhost", "--configure-bucket", options_.bucket};
  if (options_.tls) {
    for (std::string arg : {std::string("--key"), (dir_.path() / "key.pem").string(),
                            std::string("--cert"), certificate().string()}) {
      argv.push_back(std::move(arg));
    }
  }
  const std::string log = (dir_.path() / "s3rver.log").string();
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) return MakeError(ErrorCode::kUnavailable, "fork failed");
  if (pid == 0) {
    // A test binary that crashes must not leave servers behind.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    int devnull = ::open("/dev/null", O_RDONLY);
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    if (out >= 0) {
      ::dup2(out, STDOUT_FILENO);
      ::dup2(out, STDERR_FILENO);
    }
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  pid_ = pid;
  const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (AnswersHttp(port_, options_.tls)) return OkStatus();
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      return MakeError(ErrorCode::kUnavailable,
                       "s3rver exited at start on port " + std::to_string(port_), {}, LogTail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Kill();
  return MakeError(ErrorCode::kUnavailable,
                   "s3rver did not answer on port " + std::to_string(port_), {}, LogTail());
}

void S3Server::WaitForExit() {
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = 0;
}

Status S3Server::Stop() {
  if (pid_ <= 0) return OkStatus();
  ::kill(pid_, SIGTERM);
  WaitForExit();
  return OkStatus();
}

void S3Server::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  WaitForExit();
}

Status S3Server::Restart() {
  if (auto s = Stop(); !s) return s;
  return Start();
}

}  // namespace tessera::testing
