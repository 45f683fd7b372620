// A truncated file is corrupt_image through every pipeline, whichever part of the image the
// pipeline reads (a crop of the intact top, a shrink-on-load thumbnail, a blur), unless
// fail_on is none; complete files, including ones with bytes after their end marker, pass.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/pipeline.h"
#include "engine/truncation.h"
#include "engine/vips/vips_adapter.h"
#include "support/image_testing.h"

namespace tessera::engine {
namespace {

using Bytes = std::vector<uint8_t>;
using ::tessera::testing::MustParsePipeline;
using ::tessera::testing::ReadTestData;

class TruncatedInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { tessera::testing::InitEngineForTests(); }
};

Bytes Encode(const Bytes& source, const std::string& pipeline) {
  auto r = Process(source, MustParsePipeline(pipeline));
  EXPECT_TRUE(r.has_value()) << pipeline;
  return r ? r->bytes : Bytes{};
}

struct Sample {
  std::string name;
  Bytes bytes;
};

std::vector<Sample> Samples() {
  const Bytes photo = ReadTestData("orient_1.jpg");
  const Bytes large = Encode(photo, "resize:w=1200,h=900,fit=fill,enlarge=true;format:type=jpeg");
  return {
      {"baseline jpeg", large},
      {"progressive jpeg", Encode(large, "format:type=jpeg,progressive=true")},
      {"png", Encode(large, "format:type=png")},
      {"webp", Encode(large, "format:type=webp")},
  };
}

const char* kPipelines[] = {
    "resize:w=40",     "thumbnail:w=30",  "crop:w=8,h=8", "invert", "blur:sigma=1",
    "rotate:angle=90", "format:type=png", "flip",         "edges",  "resize:w=40,kernel=nearest"};

TEST_F(TruncatedInputTest, EveryPipelineRefusesACutFile) {
  for (const Sample& s : Samples()) {
    ASSERT_FALSE(s.bytes.empty()) << s.name;
    auto info = Probe(s.bytes);
    ASSERT_TRUE(info.has_value()) << s.name;
    EXPECT_FALSE(info->truncated) << s.name;
    for (size_t keep : {s.bytes.size() / 2, s.bytes.size() - 2}) {
      const Bytes cut(s.bytes.begin(), s.bytes.begin() + static_cast<long>(keep));
      for (const char* p : kPipelines) {
        auto r = Process(cut, MustParsePipeline(p));
        ASSERT_FALSE(r.has_value()) << s.name << " cut to " << keep << ", " << p;
        EXPECT_EQ(r.error().code, ErrorCode::kCorruptImage) << s.name << ", " << p;
        EXPECT_EQ(r.error().field, "image") << s.name << ", " << p;
      }
    }
    for (const char* p : kPipelines) {
      EXPECT_TRUE(Process(s.bytes, MustParsePipeline(p)).has_value()) << s.name << ", " << p;
    }
  }
}

TEST_F(TruncatedInputTest, FailOnNoneDecodesWhatIsThere) {
  const Bytes jpeg = Samples()[0].bytes;
  const Bytes cut(jpeg.begin(), jpeg.begin() + static_cast<long>(jpeg.size() * 3 / 4));
  ProcessOptions lenient;
  lenient.limits.fail_on = FailOn::kNone;
  for (const char* p : {"resize:w=40", "thumbnail:w=30", "invert"}) {
    auto r = Process(cut, MustParsePipeline(p), lenient);
    EXPECT_TRUE(r.has_value()) << p << ": " << (r ? "" : r.error().ToString());
  }
  auto strict = Process(cut, MustParsePipeline("resize:w=40"));
  ASSERT_FALSE(strict.has_value());
  EXPECT_NE(strict.error().message.find("truncated"), std::string::npos) << strict.error().message;
}

// libvips 8.14's thumbnail ignores its fail_on for the shrink-on-load; the adapter passes it
// in the loader's option string, so the decoder itself refuses the cut file too.
TEST_F(TruncatedInputTest, ShrinkOnLoadHonoursFailOn) {
  const Bytes jpeg = Samples()[0].bytes;
  const Bytes cut(jpeg.begin(), jpeg.begin() + static_cast<long>(jpeg.size() / 2));
  vips::ThumbnailOptions o;
  o.width = 300;
  o.height = 225;
  o.size = vips::SizeMode::kForce;
  for (FailOn level : {FailOn::kTruncated, FailOn::kError}) {
    o.fail_on = level;
    auto thumb = vips::ThumbnailBuffer(cut, o);
    bool failed = !thumb.has_value() || !vips::ToRaster(*thumb).has_value();
    EXPECT_TRUE(failed) << FailOnName(level);
  }
  o.fail_on = FailOn::kNone;
  auto lenient = vips::ThumbnailBuffer(cut, o);
  ASSERT_TRUE(lenient.has_value());
  EXPECT_TRUE(vips::ToRaster(*lenient).has_value());
}

TEST(TruncationStructure, EndMarkersAreFoundWhereTheyBelong) {
  const Bytes jpeg = ReadTestData("orient_1.jpg");
  EXPECT_FALSE(IsTruncated(jpeg, Format::kJpeg));
  Bytes trailing = jpeg;
  for (int i = 0; i < 100; ++i) trailing.push_back(static_cast<uint8_t>(i));
  EXPECT_FALSE(IsTruncated(trailing, Format::kJpeg)) << "bytes after EOI are allowed";
  EXPECT_TRUE(IsTruncated(Bytes(jpeg.begin(), jpeg.end() - 2), Format::kJpeg));
  EXPECT_TRUE(IsTruncated(Bytes(jpeg.begin(), jpeg.begin() + 10), Format::kJpeg));

  // An APP1 segment holding FF D9 (an EXIF thumbnail's end) before the main scan does not make
  // a cut main image look complete.
  Bytes with_app1 = {0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x08, 'E', 'x', 0xFF, 0xD9, 0x00, 0x00};
  with_app1.insert(with_app1.end(), jpeg.begin() + 2, jpeg.end());
  EXPECT_FALSE(IsTruncated(with_app1, Format::kJpeg));
  EXPECT_TRUE(IsTruncated(Bytes(with_app1.begin(), with_app1.begin() + with_app1.size() / 2),
                          Format::kJpeg));

  for (const char* name : {"rgba.png", "grey.png", "palette.png", "rgb16.png", "1x1.png"}) {
    const Bytes png = ReadTestData(name);
    EXPECT_FALSE(IsTruncated(png, Format::kPng)) << name;
    EXPECT_TRUE(IsTruncated(Bytes(png.begin(), png.end() - 12), Format::kPng)) << name;
  }
  const Bytes webp = ReadTestData("quadrants.webp");
  EXPECT_FALSE(IsTruncated(webp, Format::kWebp));
  EXPECT_TRUE(IsTruncated(Bytes(webp.begin(), webp.end() - 1), Format::kWebp));
  // Formats left to the decoder.
  EXPECT_FALSE(IsTruncated(ReadTestData("quadrants.gif"), Format::kGif));
}

}  // namespace
}  // namespace tessera::engine
