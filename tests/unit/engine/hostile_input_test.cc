// Hostile inputs (non-images, truncated and bit-flipped files, decompression bombs, limit
// breakers, many threads at once) only ever produce a typed error or a valid image: never a
// crash, never kInternal, never a bomb's pixels in memory.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <array>
#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "engine/pipeline.h"
#include "support/image_testing.h"

namespace tessera::engine {
namespace {

using ::tessera::testing::EncodeWithOpenCv;
using ::tessera::testing::MakeTestPattern;
using ::tessera::testing::ReadTestData;

using Bytes = std::vector<uint8_t>;

class HostileInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { tessera::testing::InitEngineForTests(); }
};

Pipeline MustParse(std::string_view text) { return tessera::testing::MustParsePipeline(text); }

Bytes FromString(std::string_view s) { return Bytes(s.begin(), s.end()); }

// The code Process returns, or nullopt on success (then the output must itself be readable).
std::optional<ErrorCode> ProcessCode(const Bytes& bytes, const Pipeline& pipeline,
                                     const ProcessOptions& options = {}) {
  auto r = Process(bytes, pipeline, options);
  if (r) {
    EXPECT_FALSE(r->bytes.empty());
    EXPECT_TRUE(Probe(r->bytes).has_value()) << "the engine wrote an unreadable image";
    return std::nullopt;
  }
  return r.error().code;
}

std::string Describe(std::optional<ErrorCode> code) {
  return code ? std::string(CodeName(*code)) : "ok";
}

// Peak resident set of this process so far, in bytes (ru_maxrss is KiB on Linux).
uint64_t PeakRssBytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<uint64_t>(u.ru_maxrss) * 1024;
}

constexpr uint64_t kMaxRssGrowth = 200ull << 20;

// ---------------------------------------------------------------------------------------------
// Hand-built headers.

uint32_t Crc32(const uint8_t* data, size_t n, uint32_t crc = 0) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

void PutBe32(Bytes& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

void PngChunk(Bytes& png, std::string_view type, const Bytes& data) {
  PutBe32(png, static_cast<uint32_t>(data.size()));
  size_t start = png.size();
  png.insert(png.end(), type.begin(), type.end());
  png.insert(png.end(), data.begin(), data.end());
  PutBe32(png, Crc32(png.data() + start, png.size() - start));
}

// A ~100-byte PNG whose IHDR declares width x height RGB pixels, followed by a valid zlib stream
// (one stored block) holding the first rows' worth of zeros: a decoder that trusted the header
// would allocate width * height * 3 bytes.
Bytes PngBomb(uint32_t width, uint32_t height) {
  Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  Bytes ihdr;
  PutBe32(ihdr, width);
  PutBe32(ihdr, height);
  ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});  // 8 bits, RGB, deflate, adaptive, no interlace
  PngChunk(png, "IHDR", ihdr);
  Bytes raw(64, 0);  // filter byte 0 and zero samples
  Bytes z = {
      0x78, 0x01, 0x01, static_cast<uint8_t>(raw.size()), 0, static_cast<uint8_t>(~raw.size()),
      0xFF};
  z.insert(z.end(), raw.begin(), raw.end());
  uint32_t a = 1, b = 0;  // adler32
  for (uint8_t v : raw) {
    a = (a + v) % 65521;
    b = (b + a) % 65521;
  }
  PutBe32(z, (b << 16) | a);
  PngChunk(png, "IDAT", z);
  PngChunk(png, "IEND", {});
  return png;
}

// A real JPEG whose SOF is patched to declare width x height.
Bytes JpegBomb(uint16_t width, uint16_t height) {
  Bytes jpeg = ReadTestData("orient_1.jpg");
  for (size_t i = 2; i + 9 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xFF && (jpeg[i + 1] == 0xC0 || jpeg[i + 1] == 0xC2)) {
      jpeg[i + 5] = static_cast<uint8_t>(height >> 8);
      jpeg[i + 6] = static_cast<uint8_t>(height);
      jpeg[i + 7] = static_cast<uint8_t>(width >> 8);
      jpeg[i + 8] = static_cast<uint8_t>(width);
      return jpeg;
    }
  }
  ADD_FAILURE() << "no SOF marker";
  return jpeg;
}

// ---------------------------------------------------------------------------------------------
// Decompression bombs (first in the file, so the peak RSS below is this test's own).

TEST_F(HostileInputTest, DecompressionBombsAreRefusedFromTheHeaderWithoutAllocating) {
  uint64_t rss_before = PeakRssBytes();
  struct Case {
    const char* what;
    Bytes bytes;
    int width, height;
  };
  const Case cases[] = {
      {"png 100000x100000", PngBomb(100000, 100000), 100000, 100000},
      {"png 1000000x20", PngBomb(1000000, 200), 1000000, 200},
      {"jpeg 60000x60000", JpegBomb(60000, 60000), 60000, 60000},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    auto info = Probe(c.bytes);
    ASSERT_TRUE(info.has_value()) << info.error().ToString();
    EXPECT_EQ(info->width, c.width);
    EXPECT_EQ(info->height, c.height);
    EXPECT_EQ(CheckInputLimits(*info, Limits{}).error().code, ErrorCode::kTooManyPixels);
    for (const char* pipeline :
         {"", "format:type=png", "resize:w=100", "thumbnail:w=64,h=64",
          "resize:w=100,kernel=nearest", "blur:sigma=2", "crop:x=0,y=0,w=10,h=10"}) {
      SCOPED_TRACE(pipeline);
      auto started = std::chrono::steady_clock::now();
      EXPECT_EQ(Describe(ProcessCode(c.bytes, MustParse(pipeline))), "too_many_pixels");
      EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
    }
  }
  uint64_t growth = PeakRssBytes() - rss_before;
  EXPECT_LT(growth, kMaxRssGrowth) << "peak RSS grew by " << (growth >> 20) << " MiB";
}

// GIF, TIFF and WebP files patched to declare huge sizes. A decoder may reject the
// inconsistent header as corrupt, but if the header reads, the answer must be too_many_pixels;
// either way nothing near the declared size is allocated.
TEST_F(HostileInputTest, PatchedHeadersInOtherFormatsNeverAllocate) {
  uint64_t rss_before = PeakRssBytes();
  auto le16 = [](Bytes& b, size_t at, uint16_t v) {
    b[at] = static_cast<uint8_t>(v);
    b[at + 1] = static_cast<uint8_t>(v >> 8);
  };
  std::vector<std::pair<std::string, Bytes>> bombs;

  Bytes gif = ReadTestData("quadrants.gif");
  le16(gif, 6, 65535);  // logical screen
  le16(gif, 8, 65535);
  size_t descriptor = 13 + ((gif[10] & 0x80) ? 3u << ((gif[10] & 7) + 1) : 0u);
  while (descriptor < gif.size() && gif[descriptor] != 0x2C) ++descriptor;  // skip extensions
  ASSERT_LT(descriptor + 9, gif.size());
  le16(gif, descriptor + 5, 65535);
  le16(gif, descriptor + 7, 65535);
  bombs.emplace_back("gif 65535x65535", gif);

  Bytes tiff = ReadTestData("quadrants.tif");
  ASSERT_EQ(tiff[0], 'I');
  size_t ifd = tiff[4] | (tiff[5] << 8) | (tiff[6] << 16) | (size_t{tiff[7]} << 24);
  int entries = tiff[ifd] | (tiff[ifd + 1] << 8);
  for (int e = 0; e < entries; ++e) {
    size_t at = ifd + 2 + 12 * static_cast<size_t>(e);
    int tag = tiff[at] | (tiff[at + 1] << 8);
    int type = tiff[at + 2] | (tiff[at + 3] << 8);
    if (tag == 256 || tag == 257) {  // ImageWidth, ImageLength
      if (type == 3) {
        le16(tiff, at + 8, 60000);
      } else {
        le16(tiff, at + 8, 0x86A0);  // 100000 as LONG
        le16(tiff, at + 10, 0x0001);
      }
    }
  }
  bombs.emplace_back("tiff", tiff);

  Bytes webp = ReadTestData("quadrants.webp");
  ASSERT_EQ(std::string_view(reinterpret_cast<const char*>(&webp[12]), 4), "VP8X");
  for (size_t at : {24u, 27u}) {  // canvas width-1, height-1 (24 bits each)
    webp[at] = 0xFE;
    webp[at + 1] = 0x3F;
    webp[at + 2] = 0;
  }
  bombs.emplace_back("webp canvas 16383x16383", webp);

  for (const auto& [what, bytes] : bombs) {
    SCOPED_TRACE(what);
    auto info = Probe(bytes);
    for (const char* pipeline : {"", "format:type=png", "resize:w=100"}) {
      SCOPED_TRACE(pipeline);
      std::string code = Describe(ProcessCode(bytes, MustParse(pipeline)));
      if (info && !CheckInputLimits(*info, Limits{})) {
        EXPECT_EQ(code, "too_many_pixels") << info->width << "x" << info->height;
      } else {
        EXPECT_TRUE(code == "too_many_pixels" || code == "corrupt_image") << code;
      }
    }
  }
  uint64_t growth = PeakRssBytes() - rss_before;
  EXPECT_LT(growth, kMaxRssGrowth) << "peak RSS grew by " << (growth >> 20) << " MiB";
}

// A GIF of `frames` 1x1 frames (15 bytes each): many frames for a few KB.
Bytes ManyFrameGif(int frames) {
  Bytes gif = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0,  // 1x1, 2-colour table
               0,   0,   0,   255, 255, 255};
  for (int i = 0; i < frames; ++i) {
    // Image descriptor at 0,0 size 1x1; LZW min code size 2; codes clear, 0, end.
    gif.insert(gif.end(), {0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0});
  }
  gif.push_back(0x3B);
  return gif;
}

TEST_F(HostileInputTest, FrameBombsAreRefusedFromTheHeader) {
  Bytes ok = ManyFrameGif(5);
  auto info = Probe(ok);
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  EXPECT_EQ(info->frames, 5);
  EXPECT_EQ(Describe(ProcessCode(ok, MustParse("format:type=png"))), "ok");

  Bytes bomb = ManyFrameGif(1001);  // the default limit is 1000 frames
  auto bomb_info = Probe(bomb);
  ASSERT_TRUE(bomb_info.has_value()) << bomb_info.error().ToString();
  EXPECT_EQ(bomb_info->frames, 1001);
  EXPECT_EQ(Describe(ProcessCode(bomb, MustParse("format:type=png"))), "too_many_pixels");
  EXPECT_EQ(Describe(ProcessCode(bomb, MustParse("thumbnail:w=8"))), "too_many_pixels");
}

TEST_F(HostileInputTest, FrameCountLimitUsesTheHeader) {
  Bytes gif = ReadTestData("animated.gif");
  auto info = Probe(gif);
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  EXPECT_EQ(info->frames, 3);
  ProcessOptions options;
  options.limits.max_frames = 2;
  EXPECT_EQ(Describe(ProcessCode(gif, MustParse(""), options)), "too_many_pixels");
  options.limits.max_frames = 3;
  auto r = Process(gif, MustParse("format:type=png"), options);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->width, 16);  // the first frame
  EXPECT_EQ(r->height, 16);
}

TEST_F(HostileInputTest, OutputSizeLimitIsCheckedBeforePixelsAreComputed) {
  Bytes source = ReadTestData("orient_1.jpg");
  uint64_t rss_before = PeakRssBytes();
  for (const char* pipeline :
       {"resize:w=60000,h=60000,fit=fill,enlarge=true",
        "resize:w=60000,h=60000,fit=fill,enlarge=true,kernel=nearest",
        "resize:w=60000,h=60000,fit=cover,enlarge=true",
        "blur:sigma=1;resize:w=60000,h=60000,fit=fill,enlarge=true;blur:sigma=1",
        "resize:w=60000,h=60000,fit=fill,enlarge=true;format:type=png",
        // Regression: shrink-on-load results were rasterised before the size check when a
        // later step reads randomly (thumbnail, flip, rotate), computing gigapixels first.
        "thumbnail:w=60000,h=60000,enlarge=true",
        // ... and a cropping thumbnail analyses its whole cover-size intermediate.
        "thumbnail:w=20000,h=20000,crop=attention,enlarge=true",
        "thumbnail:w=20000,h=20000,crop=entropy,enlarge=true",
        "thumbnail:w=20000,h=20000,crop=centre,enlarge=true",
        "resize:w=60000,h=60000,fit=fill,enlarge=true;flip:dir=h",
        "resize:w=60000,h=60000,fit=fill,enlarge=true;rotate:angle=90"}) {
    SCOPED_TRACE(pipeline);
    auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(Describe(ProcessCode(source, MustParse(pipeline))), "too_many_pixels");
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  }
  uint64_t growth = PeakRssBytes() - rss_before;
  EXPECT_LT(growth, kMaxRssGrowth) << "peak RSS grew by " << (growth >> 20) << " MiB";

  ProcessOptions small;
  small.limits.max_output_pixels = 40 * 40;
  Pipeline grow = MustParse("resize:w=41,h=40,fit=fill,enlarge=true");
  Pipeline fits = MustParse("resize:w=40,h=40,fit=fill,enlarge=true");
  EXPECT_EQ(Describe(ProcessCode(source, grow, small)), "too_many_pixels");
  EXPECT_EQ(Describe(ProcessCode(source, fits, small)), "ok");
  // A cropping thumbnail's cover-size intermediate counts, not only its w x h result: 64x48
  // covering 1200x100 is 1200x900 (over 1 MP); covering 1000x100 is 1000x750.
  small.limits.max_output_pixels = 1000 * 1000;
  Pipeline tall_cover = MustParse("thumbnail:w=1200,h=100,crop=attention,enlarge=true");
  Pipeline cover_fits = MustParse("thumbnail:w=1000,h=100,crop=attention,enlarge=true");
  EXPECT_EQ(Describe(ProcessCode(source, tall_cover, small)), "too_many_pixels");
  EXPECT_EQ(Describe(ProcessCode(source, cover_fits, small)), "ok");
  // The decoded input counts as an intermediate too.
  small.limits.max_output_pixels = 64 * 48 - 1;
  EXPECT_EQ(Describe(ProcessCode(source, MustParse(""), small)), "too_many_pixels");
}

// ---------------------------------------------------------------------------------------------
// Limits.

TEST_F(HostileInputTest, InputByteLimitIsCheckedFirst) {
  Bytes source = ReadTestData("orient_1.jpg");
  ProcessOptions options;
  options.limits.max_input_bytes = source.size() - 1;
  EXPECT_EQ(Describe(ProcessCode(source, MustParse(""), options)), "too_large");
  EXPECT_EQ(Probe(source, options.limits).error().code, ErrorCode::kTooLarge);
  // Even for bytes that are not an image at all.
  Bytes junk(source.size(), 'x');
  EXPECT_EQ(Describe(ProcessCode(junk, MustParse(""), options)), "too_large");
  options.limits.max_input_bytes = source.size();
  EXPECT_EQ(Describe(ProcessCode(source, MustParse(""), options)), "ok");
}

TEST_F(HostileInputTest, InputPixelLimitUsesTheHeader) {
  Bytes source = ReadTestData("orient_6.jpg");  // 48x64 stored
  ProcessOptions options;
  options.limits.max_pixels = 48 * 64 - 1;
  for (const char* pipeline : {"", "resize:w=8", "thumbnail:w=8,h=8"}) {
    SCOPED_TRACE(pipeline);
    EXPECT_EQ(Describe(ProcessCode(source, MustParse(pipeline), options)), "too_many_pixels");
  }
  options.limits.max_pixels = 48 * 64;
  EXPECT_EQ(Describe(ProcessCode(source, MustParse(""), options)), "ok");
}

TEST_F(HostileInputTest, FormatsThatCannotStoreTheSizeAreRefusedBeforeEncoding) {
  Bytes column = ReadTestData("1x10000.png");
  struct Case {
    const char* pipeline;
    const char* code;
  };
  const Case cases[] = {
      {"resize:w=16384,h=2,fit=fill,enlarge=true;format:type=webp", "too_many_pixels"},
      {"resize:w=1,h=16384,fit=fill,enlarge=true;format:type=webp", "too_many_pixels"},
      {"resize:w=16383,h=2,fit=fill,enlarge=true;format:type=webp", "ok"},
      {"resize:w=16385,h=2,fit=fill,enlarge=true;format:type=avif", "too_many_pixels"},
      {"resize:w=16385,h=2,fit=fill,enlarge=true;format:type=heif", "too_many_pixels"},
      {"resize:w=16385,h=2,fit=fill,enlarge=true;format:type=png", "ok"},
      // libjpeg stops at 65500 per side (JPEG_MAX_DIMENSION), not the format's 65535 (issue 17).
      {"resize:w=65501,h=2,fit=fill,enlarge=true;format:type=jpeg", "too_many_pixels"},
      {"resize:w=65500,h=2,fit=fill,enlarge=true;format:type=jpeg", "ok"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.pipeline);
    EXPECT_EQ(Describe(ProcessCode(column, MustParse(c.pipeline))), c.code);
  }
}

// ---------------------------------------------------------------------------------------------
// Not images.

TEST_F(HostileInputTest, NonImagesAreUnsupportedMedia) {
  std::mt19937 rng(1234);
  std::vector<std::pair<std::string, Bytes>> inputs = {
      {"one byte", {0xFF}},
      {"jpeg magic only", {0xFF, 0xD8}},
      {"text", FromString("hello, this is not an image\n")},
      {"json", FromString(R"({"image": "data:image/png;base64,iVBORw0KGgo="})")},
      {"svg", FromString("<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" "
                         "width=\"100000\" height=\"100000\"><rect width=\"10\" "
                         "height=\"10\"/></svg>")},
      {"bare svg", FromString("<svg xmlns=\"http://www.w3.org/2000/svg\"/>")},
      {"pdf", FromString("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n")},
      {"bmp", EncodeWithOpenCv(MakeTestPattern(8, 8), ".bmp")},
      {"ppm", FromString("P6\n2 2\n255\n............")},
      {"riff not webp", FromString("RIFF\x10\0\0\0WAVEfmt ")},
      {"ftyp mp4", FromString(std::string("\0\0\0\x18"
                                          "ftypisom\0\0\0\0isommp41",
                                          24))},
  };
  for (int i = 0; i < 50; ++i) {
    Bytes random(1 + rng() % 4096);
    for (uint8_t& b : random) b = static_cast<uint8_t>(rng());
    inputs.emplace_back("random " + std::to_string(i), std::move(random));
  }
  for (const auto& [what, bytes] : inputs) {
    SCOPED_TRACE(what);
    auto info = Probe(bytes);
    ASSERT_FALSE(info.has_value());
    EXPECT_EQ(CodeName(info.error().code), "unsupported_media");
    EXPECT_EQ(Describe(ProcessCode(bytes, MustParse("format:type=png"))), "unsupported_media");
  }  // No bytes at all: a missing image, the same bad_request on every front end.
  auto empty = Probe(Bytes{});
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(CodeName(empty.error().code), "bad_request");
  EXPECT_EQ(empty.error().field, "image");
}

// ---------------------------------------------------------------------------------------------
// Truncated and corrupted files.

struct Sample {
  std::string name;
  Bytes bytes;
};

std::vector<Sample> Samples() {
  cv::Mat pattern = MakeTestPattern(160, 120);
  std::vector<Sample> s = {
      {"opencv.jpg", EncodeWithOpenCv(pattern, ".jpg")},
      {"opencv.png", EncodeWithOpenCv(pattern, ".png")},
      {"opencv.webp", EncodeWithOpenCv(pattern, ".webp")},
      {"opencv_rgba.png", EncodeWithOpenCv(MakeTestPattern(96, 64, 4), ".png")},
  };
  for (const char* name : {"orient_6.jpg", "cmyk.jpg", "icc_exif.jpg", "rgb16.png", "palette.png",
                           "grey_alpha.png", "rgba_lossless.webp", "quadrants.gif", "quadrants.tif",
                           "quadrants.heic", "quadrants.avif"}) {
    s.push_back({name, ReadTestData(name)});
  }
  return s;
}

// Outcomes hostile bytes may legitimately have.
bool Acceptable(std::optional<ErrorCode> code) {
  return !code || *code == ErrorCode::kCorruptImage || *code == ErrorCode::kUnsupportedMedia ||
         *code == ErrorCode::kTooManyPixels;
}

const char* kHostilePipelines[] = {"format:type=png", "resize:w=40",
                                   "blur:sigma=1.5;format:type=jpeg"};

TEST_F(HostileInputTest, TruncatedFilesFailTypedOrDecode) {
  std::vector<Pipeline> pipelines;
  for (const char* p : kHostilePipelines) pipelines.push_back(MustParse(p));
  int corrupt = 0, total = 0;
  for (const Sample& s : Samples()) {
    SCOPED_TRACE(s.name);
    std::vector<size_t> cuts;
    // From one byte on: no bytes at all is a missing image (bad_request), tested above.
    for (size_t n = 1; n < std::min<size_t>(s.bytes.size(), 48); ++n) cuts.push_back(n);
    for (int i = 1; i < 40; ++i) cuts.push_back(s.bytes.size() * i / 40);
    cuts.push_back(s.bytes.size() - 1);
    for (size_t cut : cuts) {
      Bytes truncated(s.bytes.begin(), s.bytes.begin() + cut);
      for (size_t p = 0; p < pipelines.size(); ++p) {
        auto code = ProcessCode(truncated, pipelines[p]);
        ++total;
        corrupt += code == ErrorCode::kCorruptImage;
        EXPECT_TRUE(Acceptable(code)) << "cut at " << cut << " of " << s.bytes.size() << ", "
                                      << kHostilePipelines[p] << ": " << Describe(code);
      }
    }
  }
  // Most cuts lose pixel data; the decoders must notice rather than return a half-grey image.
  EXPECT_GT(corrupt, total / 2);
}

TEST_F(HostileInputTest, TruncatedJpegAndPngAreCorruptNotPartial) {
  for (const char* name : {"orient_1.jpg", "rgb16.png", "quadrants.webp"}) {
    SCOPED_TRACE(name);
    Bytes source = ReadTestData(name);
    Bytes half(source.begin(), source.begin() + source.size() / 2);
    // The header is intact (libwebp checks the RIFF size up front, so not for WebP).
    if (std::string_view(name).ends_with("webp")) {
      EXPECT_EQ(Probe(half).error().code, ErrorCode::kCorruptImage);
    } else {
      EXPECT_TRUE(Probe(half).has_value());
    }
    EXPECT_EQ(Describe(ProcessCode(half, MustParse("format:type=png"))), "corrupt_image");
    Bytes header_only(source.begin(), source.begin() + 20);
    EXPECT_EQ(Describe(ProcessCode(header_only, MustParse(""))), "corrupt_image");
  }
}

TEST_F(HostileInputTest, BitFlippedFilesFailTypedOrDecode) {
  std::vector<Pipeline> pipelines;
  for (const char* p : kHostilePipelines) pipelines.push_back(MustParse(p));
  for (const Sample& s : Samples()) {
    SCOPED_TRACE(s.name);
    for (uint32_t seed = 1; seed <= 60; ++seed) {
      std::mt19937 rng(seed * 7919 + static_cast<uint32_t>(s.bytes.size()));
      Bytes flipped = s.bytes;
      int flips = 1 + static_cast<int>(rng() % 8);
      for (int f = 0; f < flips; ++f) {
        // Bias half of the flips into the first 256 bytes, where the headers are.
        size_t limit = (rng() % 2) ? std::min<size_t>(256, flipped.size()) : flipped.size();
        flipped[rng() % limit] ^= static_cast<uint8_t>(1u << (rng() % 8));
      }
      const Pipeline& pipeline = pipelines[seed % pipelines.size()];
      auto code = ProcessCode(flipped, pipeline);
      EXPECT_TRUE(Acceptable(code))
          << "seed " << seed << ", " << kHostilePipelines[seed % 3] << ": " << Describe(code);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Concurrency.

TEST_F(HostileInputTest, ConcurrentRunsReportTheirOwnCodes) {
  struct Case {
    std::string what;
    Bytes bytes;
    std::string pipeline;
    ProcessOptions options;
    std::string code;
  };
  Bytes jpeg = ReadTestData("orient_1.jpg");
  Bytes png = ReadTestData("rgba.png");
  Bytes webp = ReadTestData("quadrants.webp");
  ProcessOptions tight;
  tight.limits.max_input_bytes = 100;
  std::vector<Case> cases = {
      {"good jpeg", jpeg, "resize:w=32;format:type=webp", {}, "ok"},
      {"good png", png, "blur:sigma=1;format:type=jpeg", {}, "ok"},
      {"good webp", webp, "format:type=png", {}, "ok"},
      {"truncated jpeg",
       Bytes(jpeg.begin(), jpeg.begin() + jpeg.size() / 2),
       "format:type=png",
       {},
       "corrupt_image"},
      {"truncated png",
       Bytes(png.begin(), png.begin() + png.size() / 2),
       "format:type=jpeg",
       {},
       "corrupt_image"},
      {"truncated webp",
       Bytes(webp.begin(), webp.begin() + webp.size() / 2),
       "resize:w=10",
       {},
       "corrupt_image"},
      {"header only", Bytes(jpeg.begin(), jpeg.begin() + 30), "", {}, "corrupt_image"},
      {"text", FromString("not an image at all"), "", {}, "unsupported_media"},
      {"bomb", PngBomb(100000, 100000), "resize:w=10", {}, "too_many_pixels"},
      {"too large", jpeg, "", tight, "too_large"},
      {"webp too wide",
       ReadTestData("1x10000.png"),
       "resize:w=20000,h=1,fit=fill,enlarge=true;format:type=webp",
       {},
       "too_many_pixels"},
  };
  std::vector<Pipeline> pipelines;
  for (const Case& c : cases) pipelines.push_back(MustParse(c.pipeline));
  // Sequential first: the expectations themselves must hold.
  for (size_t i = 0; i < cases.size(); ++i) {
    ASSERT_EQ(Describe(ProcessCode(cases[i].bytes, pipelines[i], cases[i].options)), cases[i].code)
        << cases[i].what;
  }
  constexpr int kThreads = 4;
  constexpr int kRounds = 30;
  std::vector<std::vector<std::string>> mismatches(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        size_t i = (static_cast<size_t>(t) * 5 + static_cast<size_t>(round) * 3) % cases.size();
        auto r = Process(cases[i].bytes, pipelines[i], cases[i].options);
        std::string got = r ? "ok" : std::string(CodeName(r.error().code));
        if (got != cases[i].code) {
          mismatches[t].push_back(cases[i].what + ": got " + got +
                                  (r ? "" : " (" + r.error().ToString() + ")"));
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    for (const std::string& m : mismatches[t]) ADD_FAILURE() << "thread " << t << ": " << m;
  }
}

}  // namespace
}  // namespace tessera::engine
