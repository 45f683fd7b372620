// A real S3-speaking server for tests: s3rver (the npm package pinned in tests/s3, installed by
// scripts/install-s3-server.sh) started with Node.js on a free loopback port with its own temp
// directory, one bucket created at start, killed when the object dies. Restart keeps the port
// and the directory, so objects stored before are still there.
//
// Path-style requests go to http://127.0.0.1:PORT/BUCKET/key; virtual-host ones to
// http://BUCKET.s3.localhost:PORT/key (libcurl resolves *.localhost to the loopback itself).
//
// s3rver accepts one key pair, S3RVER / S3RVER. It rejects an unknown access key with 403
// InvalidAccessKeyId, but it does not verify Signature V4 signatures: a known key with a wrong
// secret is accepted. Tests of denied credentials therefore use a wrong access key.
//
// s3rver writes an object in place (no temporary and rename), so a reader racing a writer can
// see part of the new object; real S3 and MinIO replace objects atomically. The contract's
// partial-read race is therefore not run against it.
//
// A missing node or s3rver is an error from Start (tests report it as a failure, never a skip).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

#include "core/result.h"
#include "support/temp_dir.h"

namespace tessera::testing {

struct S3ServerOptions {
  std::string bucket = "tessera-test";
  // Serve HTTPS with a self-signed certificate for 127.0.0.1 (made with the openssl command at
  // Start; see certificate()).
  bool tls = false;
  std::chrono::milliseconds start_timeout{20'000};
};

class S3Server {
 public:
  static constexpr const char* kAccessKey = "S3RVER";
  static constexpr const char* kSecretKey = "S3RVER";

  explicit S3Server(S3ServerOptions options = {});
  ~S3Server();
  S3Server(const S3Server&) = delete;
  S3Server& operator=(const S3Server&) = delete;

  // Starts the server (on a new free port the first time, the same port afterwards) and waits
  // until it answers HTTP. The server is killed when the calling thread ends
  // (PR_SET_PDEATHSIG), so start it from a thread that outlives its use. Errors: kUnavailable with
  // the end of the server's log.
  Status Start();
  // SIGTERM, then waits for the exit.
  Status Stop();
  // SIGKILL, then waits.
  void Kill();
  Status Restart();

  bool running() const { return pid_ > 0; }
  int port() const { return port_; }
  const std::string& bucket() const { return options_.bucket; }
  // http://127.0.0.1:port (https:// with tls)
  std::string endpoint() const;
  // The PEM certificate the server presents with tls (its own CA).
  std::filesystem::path certificate() const { return dir_.path() / "cert.pem"; }
  // s3://BUCKET[/prefix]?endpoint=...&path_style=1&access_key=S3RVER&secret_key=S3RVER plus
  // `extra` ("&timeout_ms=500").
  std::string StoreUrl(const std::string& prefix = "", const std::string& extra = "") const;
  // The directory s3rver keeps its buckets in.
  std::filesystem::path data_dir() const { return dir_.path() / "data"; }

  // node_modules/s3rver/bin/s3rver.js under $TESSERA_S3_SERVER_DIR if set, else the source
  // tree's tests/s3.
  static std::string ScriptPath();

 private:
  Status SpawnAndWait();
  void WaitForExit();
  std::string LogTail() const;

  const S3ServerOptions options_;
  TempDir dir_;
  int port_ = 0;
  pid_t pid_ = 0;
};

}  // namespace tessera::testing
