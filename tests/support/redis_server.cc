#include "support/redis_server.h"

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

namespace tessera::testing {
namespace {

// True once the server answers PING (+PONG, or -NOAUTH when a password is required). A server
// still loading its append-only file answers -LOADING and is not ready yet.
bool AnswersPing(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  timeval tv{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    constexpr char kPing[] = "PING\r\n";
    if (::write(fd, kPing, sizeof kPing - 1) == static_cast<ssize_t>(sizeof kPing - 1)) {
      char buf[64] = {};
      ssize_t n = ::read(fd, buf, sizeof buf - 1);
      std::string answer(buf, n > 0 ? static_cast<size_t>(n) : 0);
      ok = answer.rfind("+PONG", 0) == 0 || answer.rfind("-NOAUTH", 0) == 0;
    }
  }
  ::close(fd);
  return ok;
}

}  // namespace

RedisServer::RedisServer(RedisServerOptions options) : options_(std::move(options)) {}

RedisServer::~RedisServer() { Kill(); }

std::string RedisServer::BinaryPath() {
  // Tests never setenv, so reading the environment cannot race.
  const char* override_path = std::getenv("TESSERA_REDIS_SERVER");  // NOLINT(concurrency-mt-unsafe)
  return override_path != nullptr && *override_path != '\0' ? override_path
                                                            : "/usr/bin/redis-server";
}

std::string RedisServer::url() const {
  std::string auth = options_.password.empty() ? "" : ":" + options_.password + "@";
  return "redis://" + auth + "127.0.0.1:" + std::to_string(port_);
}

std::string RedisServer::LogTail() const {
  std::ifstream log(dir_.path() / "redis.log");
  std::stringstream text;
  text << log.rdbuf();
  std::string all = text.str();
  return all.size() > 2000 ? all.substr(all.size() - 2000) : all;
}

Status RedisServer::Start() {
  if (pid_ > 0) return OkStatus();
  if (::access(BinaryPath().c_str(), X_OK) != 0) {
    return MakeError(ErrorCode::kUnavailable,
                     "redis-server not found at " + BinaryPath() +
                         " (apt-get install redis-server, or set TESSERA_REDIS_SERVER)");
  }
  // Another process may take the port between picking and binding: try a few.
  const bool first_start = port_ == 0;
  for (int tries = 0;; ++tries) {
    if (first_start) port_ = PickFreeLoopbackPort();
    Status started = SpawnAndWait();
    if (started || !first_start || tries == 4) return started;
  }
}

Status RedisServer::SpawnAndWait() {
  std::vector<std::string> argv = {BinaryPath(),
                                   "--port",
                                   std::to_string(port_),
                                   "--bind",
                                   "127.0.0.1",
                                   "--dir",
                                   dir_.path().string(),
                                   "--logfile",
                                   (dir_.path() / "redis.log").string(),
                                   "--daemonize",
                                   "no",
                                   "--save",
                                   "",
                                   "--appendonly",
                                   options_.appendonly ? "yes" : "no",
                                   "--appendfsync",
                                   options_.appendfsync,
                                   "--maxmemory-policy",
                                   options_.maxmemory_policy};
  if (!options_.password.empty()) {
    argv.push_back("--requirepass");
    argv.push_back(options_.password);
  }
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) return MakeError(ErrorCode::kUnavailable, "fork failed");
  if (pid == 0) {
    // A test binary that crashes must not leave servers behind.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      ::dup2(devnull, STDIN_FILENO);
      ::dup2(devnull, STDOUT_FILENO);
      ::dup2(devnull, STDERR_FILENO);
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
    if (AnswersPing(port_)) return OkStatus();
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      return MakeError(ErrorCode::kUnavailable,
                       "redis-server exited at start on port " + std::to_string(port_), {},
                       LogTail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Kill();
  return MakeError(ErrorCode::kUnavailable,
                   "redis-server did not answer PING on port " + std::to_string(port_), {},
                   LogTail());
}

void RedisServer::WaitForExit() {
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = 0;
}

Status RedisServer::Stop() {
  if (pid_ <= 0) return OkStatus();
  ::kill(pid_, SIGTERM);
  WaitForExit();
  return OkStatus();
}

void RedisServer::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  WaitForExit();
}

Status RedisServer::Restart() {
  if (auto s = Stop(); !s) return s;
  return Start();
}

}  // namespace tessera::testing
