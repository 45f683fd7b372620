// The Django adapter's translations: the seed's filter names and parameters to tessera steps and
// capabilities, WORKER_CAPABILITIES to a worker's capabilities, and the sample directory, which
// never yields a file outside itself.
#include <gtest/gtest.h>

#include <filesystem>

#include "api/compat/django/filters.h"
#include "api/compat/django/sample_dir.h"
#include "core/file_io.h"
#include "support/temp_dir.h"

namespace tessera::api::compat::django {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

TEST(DjangoFiltersTest, FiltersBecomeOneStepAndOneCapabilityEach) {
  auto chain = ChainFor({"resize", "blur", "sharpen", "edges"},
                        json::parse(R"({"resize": {"width": 2048, "height": 2048},
                                        "blur": {"radius": 5.0}, "sharpen": {"factor": 2.0}})"));
  ASSERT_TRUE(chain) << chain.error().ToString();
  EXPECT_EQ(chain->pipeline,
            "resize:w=2048,h=2048,fit=fill,enlarge=true;blur:sigma=5;sharpen:amount=2;edges");
  EXPECT_EQ(chain->capabilities, (std::vector<std::string>{"filter.resize", "filter.blur",
                                                           "filter.sharpen", "filter.edges"}));
  // Defaults, one-sided resize, the guides' sharpen intensity and Day-2 aliases.
  chain = ChainFor({"resize", "brightness"}, json::object());
  ASSERT_TRUE(chain);
  EXPECT_EQ(chain->pipeline, "resize:w=800,h=600,fit=fill,enlarge=true;brightness:factor=1.2");
  chain = ChainFor({"resize"}, json::parse(R"({"resize": {"width": 100}})"));
  ASSERT_TRUE(chain);
  EXPECT_EQ(chain->pipeline, "resize:w=100,fit=inside,enlarge=true");
  chain = ChainFor({"heavy_sharpen", "edge_detection"},
                   json::parse(R"({"heavy_sharpen": {"intensity": 3}})"));
  ASSERT_TRUE(chain);
  EXPECT_EQ(chain->pipeline, "sharpen:amount=3;edges");
  EXPECT_EQ(chain->capabilities, (std::vector<std::string>{"filter.sharpen", "filter.edges"}));
}

TEST(DjangoFiltersTest, UnknownFiltersAndBadValuesAreRefused) {
  auto chain = ChainFor({"emboss"}, json::object());
  ASSERT_FALSE(chain);
  EXPECT_EQ(chain.error().message,
            "Unknown filter 'emboss'. Allowed: resize, blur, brightness, sharpen, edges");
  chain = ChainFor({"blur"}, json::parse(R"({"blur": {"radius": 9000}})"));
  ASSERT_FALSE(chain);
  EXPECT_EQ(chain.error().message.rfind("Invalid filter_params: ", 0), 0u);
}

TEST(DjangoFiltersTest, WorkerCapabilitiesFromTheEnvironment) {
  const std::vector<std::string> all = {"filter.resize", "filter.blur", "filter.brightness",
                                        "filter.sharpen", "filter.edges"};
  EXPECT_EQ(WorkerFilterCapabilities(nullptr), all);  // the seed's default: all
  EXPECT_EQ(WorkerFilterCapabilities("all"), all);
  EXPECT_EQ(WorkerFilterCapabilities("resize, blur,brightness"),
            (std::vector<std::string>{"filter.resize", "filter.blur", "filter.brightness"}));
  EXPECT_EQ(WorkerFilterCapabilities("sharpen,gpu,sharpen"),
            (std::vector<std::string>{"filter.sharpen"}));
  EXPECT_EQ(FiltersOf({"core", "filter.edges", "filter.resize"}),
            (std::vector<std::string>{"resize", "edges"}));
}

TEST(DjangoSampleDirTest, ReadsOnlyImagesDirectlyInside) {
  testing::TempDir tmp;
  const fs::path dir = tmp.path() / "images";
  fs::create_directories(dir / "sub");
  const std::vector<uint8_t> bytes = {1, 2, 3};
  ASSERT_TRUE(WriteFileAtomically(dir / "b.jpg", bytes));
  ASSERT_TRUE(WriteFileAtomically(dir / "a.PNG", bytes));
  ASSERT_TRUE(WriteFileAtomically(dir / "notes.txt", bytes));
  ASSERT_TRUE(WriteFileAtomically(dir / "sub" / "c.jpg", bytes));
  ASSERT_TRUE(WriteFileAtomically(tmp.path() / "secret.jpg", bytes));
  fs::create_symlink(tmp.path() / "secret.jpg", dir / "link.jpg");
  SampleDir samples(dir);
  EXPECT_EQ(samples.List(), (std::vector<std::string>{"a.PNG", "b.jpg"}));
  EXPECT_EQ(samples.Cycle(3), (std::vector<std::string>{"a.PNG", "b.jpg", "a.PNG"}));
  auto read = samples.Read("b.jpg");
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, bytes);
  for (const char* bad : {"../secret.jpg", "sub/c.jpg", "..", "notes.txt", "/etc/passwd"}) {
    auto r = samples.Read(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kBadRequest) << bad;
  }
  auto link = samples.Read("link.jpg");
  ASSERT_FALSE(link);
  EXPECT_EQ(link.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(SampleDir(tmp.path() / "missing").List().empty());
}

}  // namespace
}  // namespace tessera::api::compat::django
