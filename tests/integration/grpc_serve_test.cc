// `tessera serve` as a real process with gRPC beside HTTP: Debian's python3-grpcio drives it
// (health, Process, ProcessStream, jobs through the embedded worker, errors) with the API key
// serve was given; SIGTERM stops gRPC with HTTP and the process exits 0; --no-grpc leaves gRPC
// off.
#include <gtest/gtest.h>
#include <signal.h>

#include <iostream>

#include "core/file_io.h"
#include "engine/engine.h"
#include "support/image_testing.h"
#include "support/serve_process.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "support/tessera_process.h"

namespace tessera::testing {
namespace {

using std::chrono::milliseconds;

TEST(GrpcServeTest, PythonClientAgainstServeThenSigtermStopsBoth) {
  TempDir dir;
  auto serve =
      StartTessera({"serve", "--host", "127.0.0.1", "--port", "0", "--grpc-port", "0", "--workers",
                    "1", "--api-keys", "k-one,k-two", "--data-dir", (dir.path() / "data").string()},
                   dir.path() / "logs");
  int grpc_port = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        grpc_port = LoggedPort(serve->Stderr(), "grpc_listening");
        return grpc_port != 0 && LoggedPort(serve->Stderr(), "http_listening") != 0;
      },
      milliseconds(10'000)))
      << serve->Stderr();

  const std::string pipeline = "resize:w=64;format:type=webp,q=70";
  const auto input = EncodeWithOpenCv(MakeTestPattern(160, 120), ".png");
  InitEngineForTests();
  auto expected = engine::Process(input, MustParsePipeline(pipeline));
  ASSERT_TRUE(expected.has_value()) << expected.error().ToString();
  ASSERT_TRUE(WriteFileAtomically(dir.path() / "input.png", input).has_value());
  ASSERT_TRUE(WriteFileAtomically(dir.path() / "expected.webp", expected->bytes).has_value());

  auto run = RunProcess(
      {"/usr/bin/python3", TESSERA_SOURCE_DIR "/tests/python/grpc_client_check.py", "--target",
       "127.0.0.1:" + std::to_string(grpc_port), "--proto-root", TESSERA_SOURCE_DIR "/proto",
       "--input", (dir.path() / "input.png").string(), "--expected",
       (dir.path() / "expected.webp").string(), "--pipeline", pipeline, "--api-key", "k-two"});
  std::cout << run.out;
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("call without the key is UNAUTHENTICATED"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("FAIL"), std::string::npos) << run.out;

  serve->Signal(SIGTERM);
  auto code = serve->Wait(milliseconds(15'000));
  ASSERT_TRUE(code.has_value()) << serve->Stderr();
  EXPECT_EQ(*code, 0) << serve->Stderr();
  const std::string log = serve->Stderr();
  EXPECT_NE(log.find("\"event\":\"grpc_stopped\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"event\":\"serve_stopped\",\"clean\":\"true\""), std::string::npos) << log;
}

TEST(GrpcServeTest, NoGrpcLeavesOnlyHttp) {
  TempDir dir;
  auto serve = StartTessera({"serve", "--host", "127.0.0.1", "--port", "0", "--no-grpc",
                             "--workers", "0", "--data-dir", (dir.path() / "data").string()},
                            dir.path() / "logs");
  ASSERT_TRUE(WaitFor([&] { return LoggedPort(serve->Stderr(), "http_listening") != 0; },
                      milliseconds(10'000)))
      << serve->Stderr();
  EXPECT_EQ(serve->Stderr().find("grpc_listening"), std::string::npos);
  serve->Signal(SIGTERM);
  auto code = serve->Wait(milliseconds(15'000));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << serve->Stderr();
}

}  // namespace
}  // namespace tessera::testing
