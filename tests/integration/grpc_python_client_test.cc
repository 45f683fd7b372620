// Debian's python3-grpcio (the gRPC core's Python binding, not the C++ client) against the
// in-process GrpcServer: tests/python/grpc_client_check.py calls health Check, Process,
// ProcessStream, SubmitJob + WatchJob + GetJobResult and a failing call, and compares every
// image with what engine::Process made of the same bytes (written here for it to read).
#include <filesystem>
#include <iostream>

#include "core/file_io.h"
#include "grpc_test_server.h"
#include "support/subprocess.h"

namespace tessera::testing {
namespace {

TEST(GrpcPythonClientTest, GrpcioClientSeesTheSameImagesErrorsAndHealth) {
  GrpcTestServer server;
  ASSERT_NE(server.port(), 0);
  const std::string pipeline = "resize:w=50;sharpen;format:type=png";
  const auto input = EncodeWithOpenCv(MakeTestPattern(120, 90), ".png");
  auto expected = engine::Process(input, MustParsePipeline(pipeline));
  ASSERT_TRUE(expected.has_value()) << expected.error().ToString();
  const auto input_path = server.dir().path() / "input.png";
  const auto expected_path = server.dir().path() / "expected.png";
  ASSERT_TRUE(WriteFileAtomically(input_path, input).has_value());
  ASSERT_TRUE(WriteFileAtomically(expected_path, expected->bytes).has_value());

  auto run = RunProcess(
      {"/usr/bin/python3", TESSERA_SOURCE_DIR "/tests/python/grpc_client_check.py", "--target",
       server.target(), "--proto-root", TESSERA_SOURCE_DIR "/proto", "--input", input_path.string(),
       "--expected", expected_path.string(), "--pipeline", pipeline});
  std::cout << run.out;  // one line per check, for the test log
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("0 failed"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("FAIL"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace tessera::testing
