// scripts/run.sh's hint (scripts/serve-hint.sh) names the port the arguments give `tessera
// serve`, not always 8080 (issue 17).
#include <gtest/gtest.h>

#include "support/subprocess.h"

namespace tessera::testing {
namespace {

const std::string kHint = std::string(TESSERA_TEST_DATA) + "/../../scripts/serve-hint.sh";

std::string HintFor(std::vector<std::string> args) {
  args.insert(args.begin(), kHint);
  ProcessOutput r = RunProcess(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.err;
}

TEST(ServeHint, NamesThePortTheArgumentsChoose) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--port", "9123"}, {"--port=9123"}, {"-p", "9123"}, {"--workers", "2", "-p9123"}}) {
    std::string hint = HintFor(args);
    EXPECT_NE(hint.find("http://localhost:9123/openapi.json"), std::string::npos) << hint;
    EXPECT_EQ(hint.find("8080"), std::string::npos) << hint;
  }
  EXPECT_NE(HintFor({}).find("http://localhost:8080/"), std::string::npos);
}

TEST(ServeHint, MultipartExamplesUseFormString) {
  std::string hint = HintFor({});
  EXPECT_NE(hint.find("--form-string pipeline="), std::string::npos) << hint;
  EXPECT_EQ(hint.find("-F pipeline="), std::string::npos) << hint;
}

}  // namespace
}  // namespace tessera::testing
