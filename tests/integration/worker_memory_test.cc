// `tessera worker` follows the server's memory policy (cli/server_memory.h): after a burst of
// jobs, once it has been idle for --idle-trim-ms, it hands its cached raster buffers and free
// heap back to the system and says so in its log. Real processes over a real SQLite queue.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/file_io.h"
#include "support/image_testing.h"
#include "support/serve_process.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "support/tessera_process.h"

namespace tessera::testing {
namespace {

using std::chrono::milliseconds;

TEST(WorkerMemoryTest, AnIdleWorkerTrimsWhatItsJobsLeftCached) {
  TempDir dir;
  const auto data = (dir.path() / "data").string();
  const auto input = dir.path() / "photo.png";
  ASSERT_TRUE(WriteFileAtomically(input, EncodeWithOpenCv(MakeTestPattern(1920, 1080, 3), ".png"))
                  .has_value());
  for (int i = 0; i < 3; ++i) {
    auto submitted = RunTessera({"jobs", "submit", input.string(), "-p",
                                 "blur:sigma=2;format:type=png", "--data-dir", data});
    ASSERT_EQ(submitted.exit_code, 0) << submitted.out << submitted.err;
  }
  auto worker =
      StartTessera({"worker", "--data-dir", data, "--idle-trim-ms", "300"}, dir.path() / "logs");
  std::vector<std::string> trims;
  ASSERT_TRUE(WaitFor(
      [&] {
        trims = LogLines(worker->Stderr(), "memory_trimmed");
        return !trims.empty();
      },
      milliseconds(60'000)))
      << worker->Stderr();
  auto line = nlohmann::json::parse(trims.front());
  // The blurs' rasters were cached for the next image; the trim gave them back.
  EXPECT_GT(std::stoll(line.value("raster_cache_bytes", "0")), 0) << trims.front();
  EXPECT_LE(std::stoll(line.value("rss_kb_after", "0")),
            std::stoll(line.value("rss_kb_before", "0")))
      << trims.front();
  EXPECT_EQ(LogLines(worker->Stderr(), "job_dead").size(), 0u) << worker->Stderr();
}

}  // namespace
}  // namespace tessera::testing
