// Every committed test image probes to the right facts and survives decode -> encode in every
// output format with its pixels (checked by OpenCV's independent decoders), bit depth, alpha,
// orientation and metadata handled as the format options say.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "engine/format_sniff.h"
#include "engine/pipeline.h"
#include "support/image_testing.h"

namespace tessera::engine {
namespace {

using ::tessera::testing::DecodeWithOpenCv;
using ::tessera::testing::MaxAbsDiff;
using ::tessera::testing::Psnr;
using ::tessera::testing::ReadTestData;

using Bytes = std::vector<uint8_t>;

class CodecsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { tessera::testing::InitEngineForTests(); }
};

Pipeline MustParse(std::string_view text) { return tessera::testing::MustParsePipeline(text); }

// Runs `pipeline` on `input`; an empty result (and a test failure) if the engine refuses it.
ProcessResult MustProcess(const Bytes& input, std::string_view pipeline) {
  auto r = Process(input, MustParse(pipeline));
  EXPECT_TRUE(r.has_value()) << pipeline << ": " << (r ? "" : r.error().ToString());
  return r ? std::move(*r) : ProcessResult{};
}

ImageInfo MustProbe(const Bytes& bytes) {
  auto info = Probe(bytes);
  EXPECT_TRUE(info.has_value()) << (info ? "" : info.error().ToString());
  return info ? *info : ImageInfo{};
}

bool Contains(const Bytes& haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) !=
         haystack.end();
}

// Decoded pixels of an engine output. OpenCV 4.6 has no GIF, HEIF or AVIF decoder, so those are
// first re-encoded losslessly as PNG by the engine (a libvips decode) and then read by OpenCV.
cv::Mat DecodeOutput(const ProcessResult& r) {
  if (r.format == Format::kGif || r.format == Format::kHeif || r.format == Format::kAvif) {
    ProcessResult png = MustProcess(r.bytes, "format:type=png");
    return DecodeWithOpenCv(png.bytes);
  }
  return DecodeWithOpenCv(r.bytes);
}

cv::Mat Channels(const cv::Mat& m, int first, int count) {
  std::vector<cv::Mat> planes;
  cv::split(m, planes);
  std::vector<cv::Mat> keep(planes.begin() + first, planes.begin() + first + count);
  cv::Mat out;
  cv::merge(keep, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Probe facts.

struct ProbeCase {
  const char* file;
  Format format;
  int width, height, bands, bits;
  bool alpha;
  int orientation;
};

TEST_F(CodecsTest, ProbeReportsHeaderFactsOfEveryTestFile) {
  const ProbeCase cases[] = {
      {"orient_1.jpg", Format::kJpeg, 64, 48, 3, 8, false, 1},
      {"orient_2.jpg", Format::kJpeg, 64, 48, 3, 8, false, 2},
      {"orient_3.jpg", Format::kJpeg, 64, 48, 3, 8, false, 3},
      {"orient_4.jpg", Format::kJpeg, 64, 48, 3, 8, false, 4},
      {"orient_5.jpg", Format::kJpeg, 48, 64, 3, 8, false, 5},
      {"orient_6.jpg", Format::kJpeg, 48, 64, 3, 8, false, 6},
      {"orient_7.jpg", Format::kJpeg, 48, 64, 3, 8, false, 7},
      {"orient_8.jpg", Format::kJpeg, 48, 64, 3, 8, false, 8},
      {"cmyk.jpg", Format::kJpeg, 64, 48, 4, 8, false, 1},
      {"icc_exif.jpg", Format::kJpeg, 64, 48, 3, 8, false, 1},
      {"rgb16.png", Format::kPng, 64, 48, 3, 16, false, 1},
      {"grey.png", Format::kPng, 64, 48, 1, 8, false, 1},
      {"grey_alpha.png", Format::kPng, 64, 48, 2, 8, true, 1},
      {"rgba.png", Format::kPng, 64, 48, 4, 8, true, 1},
      {"palette.png", Format::kPng, 64, 48, 3, 8, false, 1},  // libvips expands the palette
      {"1x1.png", Format::kPng, 1, 1, 3, 8, false, 1},
      {"1x10000.png", Format::kPng, 1, 10000, 3, 8, false, 1},
      {"quadrants.gif", Format::kGif, 64, 48, 3, 8, false, 1},
      {"quadrants.tif", Format::kTiff, 64, 48, 3, 8, false, 1},
      {"quadrants.webp", Format::kWebp, 64, 48, 3, 8, false, 1},
      {"rgba_lossless.webp", Format::kWebp, 64, 48, 4, 8, true, 1},
      {"quadrants.heic", Format::kHeif, 64, 48, 3, 8, false, 1},
      {"quadrants.avif", Format::kAvif, 64, 48, 3, 8, false, 1},
  };
  for (const ProbeCase& c : cases) {
    SCOPED_TRACE(c.file);
    Bytes bytes = ReadTestData(c.file);
    ASSERT_FALSE(bytes.empty());
    EXPECT_EQ(SniffFormat(bytes), c.format);
    ImageInfo info = MustProbe(bytes);
    EXPECT_EQ(info.format, c.format);
    EXPECT_EQ(info.width, c.width);
    EXPECT_EQ(info.height, c.height);
    EXPECT_EQ(info.bands, c.bands);
    EXPECT_EQ(info.bits, c.bits);
    EXPECT_EQ(info.has_alpha, c.alpha);
    EXPECT_EQ(info.orientation, c.orientation);
    EXPECT_EQ(info.frames, 1);
    EXPECT_EQ(info.bytes, bytes.size());
  }
  ImageInfo animated = MustProbe(ReadTestData("animated.gif"));
  EXPECT_EQ(animated.format, Format::kGif);
  EXPECT_EQ(animated.frames, 3);
  EXPECT_EQ(animated.width, 16);
  EXPECT_EQ(animated.height, 16);
  EXPECT_EQ(MustProbe(ReadTestData("cmyk.jpg")).colourspace, "cmyk");
  EXPECT_EQ(MustProbe(ReadTestData("rgb16.png")).colourspace, "rgb16");
  EXPECT_EQ(MustProbe(ReadTestData("grey.png")).colourspace, "b-w");
  ImageInfo rotated = MustProbe(ReadTestData("orient_6.jpg"));
  EXPECT_EQ(rotated.oriented_width(), 64);
  EXPECT_EQ(rotated.oriented_height(), 48);
}

// ---------------------------------------------------------------------------------------------
// Round trips through every output format.

struct RoundTripCase {
  const char* format;
  Format expected;
  double min_psnr;  // infinity: the pixels must come back exactly
};

TEST_F(CodecsTest, RgbRoundTripsThroughEveryOutputFormat) {
  // The lossless TIFF holds the quadrant picture exactly; OpenCV's decode of it is the truth.
  // Lossy bounds are for the default q=80 (4:2:0 chroma) on saturated colours with a 16-level
  // sawtooth texture, which measure about 28 dB for jpeg and webp and 31+ for gif, avif, heif.
  Bytes source = ReadTestData("quadrants.tif");
  cv::Mat truth = DecodeWithOpenCv(source);
  ASSERT_EQ(truth.type(), CV_8UC3);
  constexpr double kExact = INFINITY;
  const RoundTripCase cases[] = {
      {"jpeg", Format::kJpeg, 26.0},   {"png", Format::kPng, kExact}, {"webp", Format::kWebp, 26.0},
      {"tiff", Format::kTiff, kExact}, {"gif", Format::kGif, 30.0},   {"avif", Format::kAvif, 30.0},
      {"heif", Format::kHeif, 30.0},
  };
  for (const RoundTripCase& c : cases) {
    SCOPED_TRACE(c.format);
    ProcessResult r = MustProcess(source, std::string("format:type=") + c.format);
    ASSERT_FALSE(r.bytes.empty());
    EXPECT_EQ(r.format, c.expected);
    EXPECT_EQ(SniffFormat(r.bytes), c.expected);
    EXPECT_EQ(r.width, 64);
    EXPECT_EQ(r.height, 48);
    ImageInfo out = MustProbe(r.bytes);
    EXPECT_EQ(out.width, 64);
    EXPECT_EQ(out.height, 48);
    cv::Mat got = DecodeOutput(r);
    ASSERT_FALSE(got.empty());
    if (got.channels() == 4) got = Channels(got, 0, 3);  // GIF may come back with alpha
    ASSERT_EQ(got.size(), truth.size());
    ASSERT_EQ(got.type(), truth.type());
    if (std::isinf(c.min_psnr)) {
      EXPECT_EQ(MaxAbsDiff(got, truth), 0);
    } else {
      EXPECT_GE(Psnr(got, truth), c.min_psnr);
    }
  }
}

// Every committed input in every output format: encodes, and reads back with the upright size
// and a band count the format can hold.
TEST_F(CodecsTest, EveryInputEncodesInEveryOutputFormat) {
  const char* inputs[] = {"orient_1.jpg",  "orient_6.jpg",   "cmyk.jpg",           "icc_exif.jpg",
                          "rgb16.png",     "grey.png",       "grey_alpha.png",     "rgba.png",
                          "palette.png",   "1x1.png",        "animated.gif",       "quadrants.gif",
                          "quadrants.tif", "quadrants.webp", "rgba_lossless.webp", "quadrants.heic",
                          "quadrants.avif"};
  const char* formats[] = {"jpeg", "png", "webp", "tiff", "gif", "avif", "heif"};
  for (const char* name : inputs) {
    Bytes source = ReadTestData(name);
    ImageInfo in = MustProbe(source);
    for (const char* fmt : formats) {
      SCOPED_TRACE(std::string(name) + " -> " + fmt);
      ProcessResult r = MustProcess(source, std::string("format:type=") + fmt);
      if (r.bytes.empty()) continue;
      ImageInfo out = MustProbe(r.bytes);
      EXPECT_EQ(out.width, in.oriented_width());
      EXPECT_EQ(out.height, in.oriented_height());
      EXPECT_EQ(out.orientation, 1);
      EXPECT_EQ(out.frames, 1);
      if (std::string_view(fmt) == "jpeg") {
        EXPECT_FALSE(out.has_alpha);
        EXPECT_EQ(out.bits, 8);
      }
      if (std::string_view(fmt) == "png" || std::string_view(fmt) == "tiff") {
        EXPECT_EQ(out.has_alpha, in.has_alpha);
        EXPECT_EQ(out.bits, in.bits);
      }
    }
  }
}

TEST_F(CodecsTest, LosslessWebpIsExact) {
  Bytes source = ReadTestData("quadrants.tif");
  ProcessResult r = MustProcess(source, "format:type=webp,lossless=true");
  EXPECT_EQ(MaxAbsDiff(DecodeWithOpenCv(r.bytes), DecodeWithOpenCv(source)), 0);
}

TEST_F(CodecsTest, GreyStaysGreyInPngAndTiff) {
  // OpenCV expands grey+alpha PNGs to BGRA and drops alpha from grey+alpha TIFFs, so the band
  // count comes from Probe and the pixels of a TIFF are compared after an engine PNG re-encode.
  const struct {
    const char* file;
    int bands;
  } cases[] = {{"grey.png", 1}, {"grey_alpha.png", 2}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    Bytes source = ReadTestData(c.file);
    cv::Mat truth = DecodeWithOpenCv(source);
    for (const char* fmt : {"png", "tiff"}) {
      SCOPED_TRACE(fmt);
      ProcessResult r = MustProcess(source, std::string("format:type=") + fmt);
      ImageInfo out = MustProbe(r.bytes);
      EXPECT_EQ(out.bands, c.bands);
      EXPECT_EQ(out.has_alpha, c.bands == 2);
      EXPECT_EQ(out.colourspace, "b-w");
      cv::Mat got = DecodeWithOpenCv(
          r.format == Format::kPng ? r.bytes : MustProcess(r.bytes, "format:type=png").bytes);
      ASSERT_EQ(got.type(), truth.type());
      EXPECT_EQ(MaxAbsDiff(got, truth), 0);
    }
  }
}

TEST_F(CodecsTest, PaletteAndGifInputsDecodeToTheirColours) {
  cv::Mat truth = DecodeWithOpenCv(ReadTestData("palette.png"));
  ASSERT_EQ(truth.channels(), 3);
  // The GIF holds the same 16-colour picture, so its decode must match exactly.
  for (const char* name : {"palette.png", "quadrants.gif"}) {
    SCOPED_TRACE(name);
    ProcessResult r = MustProcess(ReadTestData(name), "format:type=png");
    cv::Mat got = DecodeWithOpenCv(r.bytes);
    if (got.channels() == 4) got = Channels(got, 0, 3);
    ASSERT_EQ(got.type(), truth.type());
    EXPECT_EQ(MaxAbsDiff(got, truth), 0);
  }
  ProcessResult quantised =
      MustProcess(ReadTestData("quadrants.tif"), "format:type=png,palette=true");
  EXPECT_TRUE(Contains(quantised.bytes, "PLTE"));
  EXPECT_GE(
      Psnr(DecodeWithOpenCv(quantised.bytes), DecodeWithOpenCv(ReadTestData("quadrants.tif"))),
      28.0);
}

// ---------------------------------------------------------------------------------------------
// Bit depth and alpha.

TEST_F(CodecsTest, SixteenBitsStaySixteenInPngAndTiffAndBecomeEightInJpeg) {
  Bytes source = ReadTestData("rgb16.png");
  cv::Mat truth = DecodeWithOpenCv(source);
  ASSERT_EQ(truth.type(), CV_16UC3);
  for (const char* fmt : {"png", "tiff"}) {
    SCOPED_TRACE(fmt);
    ProcessResult r = MustProcess(source, std::string("format:type=") + fmt);
    EXPECT_EQ(MustProbe(r.bytes).bits, 16);
    cv::Mat got = DecodeWithOpenCv(r.bytes);
    ASSERT_EQ(got.type(), CV_16UC3);
    EXPECT_EQ(MaxAbsDiff(got, truth), 0);
  }
  cv::Mat truth8;
  truth.convertTo(truth8, CV_8U, 1.0 / 257.0);
  for (const char* fmt : {"jpeg", "webp"}) {
    SCOPED_TRACE(fmt);
    ProcessResult r = MustProcess(source, std::string("format:type=") + fmt + ",q=95");
    EXPECT_EQ(MustProbe(r.bytes).bits, 8);
    cv::Mat got = DecodeWithOpenCv(r.bytes);
    ASSERT_EQ(got.type(), CV_8UC3);
    EXPECT_GE(Psnr(got, truth8), 35.0);
  }
}

// 16-bit grey and 16-bit RGBA, made and checked with OpenCV: exact in PNG/TIFF; 8 bits, alpha
// flattened onto the background in JPEG; 8 bits with alpha in WebP.
TEST_F(CodecsTest, SixteenBitGreyAndRgbaFollowTheFormat) {
  for (int bands : {1, 4}) {
    SCOPED_TRACE(bands);
    cv::Mat truth = tessera::testing::MakeTestPattern(64, 48, bands, CV_16U);
    // Values that are not multiples of 257, so a silent trip through 8 bits shows.
    truth += cv::Scalar::all(3);
    Bytes source = tessera::testing::EncodeWithOpenCv(truth, ".png");
    ImageInfo in = MustProbe(source);
    ASSERT_EQ(in.bits, 16);
    ASSERT_EQ(in.bands, bands);
    for (const char* fmt : {"png", "tiff"}) {
      SCOPED_TRACE(fmt);
      ProcessResult r = MustProcess(source, std::string("format:type=") + fmt);
      ImageInfo out = MustProbe(r.bytes);
      EXPECT_EQ(out.bits, 16);
      EXPECT_EQ(out.bands, bands);
      cv::Mat got = DecodeWithOpenCv(r.bytes);
      ASSERT_EQ(got.type(), truth.type());
      EXPECT_EQ(MaxAbsDiff(got, truth), 0);
    }
    cv::Mat truth8;
    truth.convertTo(truth8, CV_8U, 1.0 / 257.0);
    ProcessResult jpeg = MustProcess(source, "format:type=jpeg,q=95,subsample=444,bg=0000ff");
    ImageInfo jpeg_info = MustProbe(jpeg.bytes);
    EXPECT_EQ(jpeg_info.bits, 8);
    EXPECT_EQ(jpeg_info.bands, bands == 1 ? 1 : 3);
    cv::Mat got = DecodeWithOpenCv(jpeg.bytes);
    ASSERT_FALSE(got.empty());
    cv::Rect opaque(0, 0, 32, 48);  // MakeTestPattern's alpha is 255 on the left half
    EXPECT_GE(Psnr(got(opaque), Channels(truth8, 0, bands == 1 ? 1 : 3)(opaque)), 34.0);
    if (bands == 4) {
      // Right half: alpha 96..223, so the blue background shows through in the mix.
      cv::Vec4b src = truth8.at<cv::Vec4b>(10, 50);
      cv::Vec3b px = got.at<cv::Vec3b>(10, 50);
      double a = src[3] / 255.0;
      EXPECT_NEAR(px[0], src[0] * a, 10);
      EXPECT_NEAR(px[2], src[2] * a + 255 * (1 - a), 10);

      ProcessResult webp = MustProcess(source, "format:type=webp,lossless=true");
      ImageInfo webp_info = MustProbe(webp.bytes);
      EXPECT_EQ(webp_info.bits, 8);
      EXPECT_TRUE(webp_info.has_alpha);
      cv::Mat w = DecodeWithOpenCv(webp.bytes);
      ASSERT_EQ(w.type(), CV_8UC4);
      EXPECT_LE(MaxAbsDiff(Channels(w, 3, 1), Channels(truth8, 3, 1)), 1);
    }
  }
}

TEST_F(CodecsTest, AlphaIsKeptInPngAndWebp) {
  Bytes source = ReadTestData("rgba.png");
  cv::Mat truth = DecodeWithOpenCv(source);
  ASSERT_EQ(truth.type(), CV_8UC4);
  ProcessResult png = MustProcess(source, "format:type=png");
  EXPECT_TRUE(MustProbe(png.bytes).has_alpha);
  EXPECT_EQ(MaxAbsDiff(DecodeWithOpenCv(png.bytes), truth), 0);

  ProcessResult webp = MustProcess(source, "format:type=webp,q=90");
  EXPECT_TRUE(MustProbe(webp.bytes).has_alpha);
  cv::Mat got = DecodeWithOpenCv(webp.bytes);
  ASSERT_EQ(got.type(), CV_8UC4);
  // WebP keeps alpha losslessly even in lossy mode; colour is compared where it is opaque.
  EXPECT_EQ(MaxAbsDiff(Channels(got, 3, 1), Channels(truth, 3, 1)), 0);
  cv::Rect opaque(0, 0, 32, 48);
  EXPECT_GE(Psnr(Channels(got, 0, 3)(opaque), Channels(truth, 0, 3)(opaque)), 25.0);
}

TEST_F(CodecsTest, JpegFlattensAlphaOnTheBackground) {
  Bytes source = ReadTestData("rgba.png");
  cv::Mat truth = DecodeWithOpenCv(source);
  ProcessResult r = MustProcess(source, "format:type=jpeg,q=95,subsample=444,bg=0000ff");
  ImageInfo info = MustProbe(r.bytes);
  EXPECT_EQ(info.bands, 3);
  EXPECT_FALSE(info.has_alpha);
  cv::Mat got = DecodeWithOpenCv(r.bytes);
  ASSERT_EQ(got.type(), CV_8UC3);
  // Opaque left half: the picture. Clear top-right: the background. Half-alpha bottom-right:
  // an even mix of the two.
  cv::Rect opaque(0, 0, 32, 48);
  EXPECT_GE(Psnr(got(opaque), Channels(truth, 0, 3)(opaque)), 34.0);
  cv::Vec3b clear = got.at<cv::Vec3b>(12, 48);
  EXPECT_NEAR(clear[0], 0, 8);
  EXPECT_NEAR(clear[1], 0, 8);
  EXPECT_NEAR(clear[2], 255, 8);
  cv::Vec4b src = truth.at<cv::Vec4b>(36, 48);
  cv::Vec3b half = got.at<cv::Vec3b>(36, 48);
  double a = src[3] / 255.0;
  EXPECT_NEAR(half[0], src[0] * a, 10);
  EXPECT_NEAR(half[1], src[1] * a, 10);
  EXPECT_NEAR(half[2], src[2] * a + 255 * (1 - a), 10);

  // The default background is white.
  cv::Mat white = DecodeWithOpenCv(MustProcess(source, "format:type=jpeg").bytes);
  cv::Vec3b w = white.at<cv::Vec3b>(12, 48);
  EXPECT_GE(std::min({w[0], w[1], w[2]}), 245);
}

// ---------------------------------------------------------------------------------------------
// EXIF orientation.

TEST_F(CodecsTest, EveryExifOrientationDecodesToTheSameUprightPixels) {
  cv::Mat upright =
      DecodeWithOpenCv(MustProcess(ReadTestData("orient_1.jpg"), "format:type=png").bytes);
  ASSERT_EQ(upright.size(), cv::Size(64, 48));
  for (int n = 1; n <= 8; ++n) {
    std::string name = "orient_" + std::to_string(n) + ".jpg";
    SCOPED_TRACE(name);
    Bytes source = ReadTestData(name);
    for (const char* pipeline : {"format:type=png", "blur:sigma=0.5;format:type=png",
                                 "flip:dir=h;flip:dir=h;format:type=png"}) {
      SCOPED_TRACE(pipeline);
      ProcessResult r = MustProcess(source, pipeline);
      EXPECT_EQ(r.width, 64);
      EXPECT_EQ(r.height, 48);
      cv::Mat got = DecodeWithOpenCv(r.bytes);
      ASSERT_EQ(got.size(), upright.size());
      // Each file is its own JPEG encode of the transformed picture, hence not exact.
      EXPECT_GE(Psnr(got, upright), std::string(pipeline).find("blur") == 0 ? 25.0 : 38.0);
    }
    // The shrink-on-load path (a leading resize) orients too.
    ProcessResult small = MustProcess(source, "resize:w=32;format:type=png");
    EXPECT_EQ(small.width, 32);
    EXPECT_EQ(small.height, 24);
    // Output carries no orientation, even when the rest of EXIF is kept.
    for (const char* pipeline : {"format:type=jpeg", "format:type=jpeg,strip=false"}) {
      SCOPED_TRACE(pipeline);
      ProcessResult jpeg = MustProcess(source, pipeline);
      EXPECT_EQ(MustProbe(jpeg.bytes).orientation, 1);
      EXPECT_EQ(MustProbe(jpeg.bytes).width, 64);
    }
  }
}

// A minimal EXIF APP1 segment (big-endian TIFF, one IFD entry) carrying only the orientation.
Bytes ExifOrientationSegment(int orientation) {
  Bytes tiff = {'M',  'M',
                0,    42,
                0,    0,
                0,    8,  // header, IFD0 at offset 8
                0,    1,  // one entry
                0x01, 0x12,
                0,    3,
                0,    0,
                0,    1,  // Orientation, SHORT, count 1
                0,    static_cast<uint8_t>(orientation),
                0,    0,
                0,    0,
                0,    0};  // no next IFD
  Bytes seg = {0xFF, 0xE1, 0, 0, 'E', 'x', 'i', 'f', 0, 0};
  seg.insert(seg.end(), tiff.begin(), tiff.end());
  seg[3] = static_cast<uint8_t>(seg.size() - 2);
  return seg;
}

// A JPEG far taller than libvips' sequential line cache, stored so that EXIF `orientation`
// displays `upright`. (OpenCV's default 4:2:0 q=95 on the pattern's fine texture: ~24.5 dB.)
Bytes OrientedJpeg(const cv::Mat& upright, int orientation) {
  cv::Mat stored, tmp;
  switch (orientation) {
    case 1: stored = upright; break;
    case 2: cv::flip(upright, stored, 1); break;
    case 3: cv::rotate(upright, stored, cv::ROTATE_180); break;
    case 4: cv::flip(upright, stored, 0); break;
    case 5: cv::transpose(upright, stored); break;
    case 6: cv::rotate(upright, stored, cv::ROTATE_90_COUNTERCLOCKWISE); break;
    case 7:  // transverse: mirror across the anti-diagonal
      cv::transpose(upright, tmp);
      cv::rotate(tmp, stored, cv::ROTATE_180);
      break;
    case 8: cv::rotate(upright, stored, cv::ROTATE_90_CLOCKWISE); break;
  }
  Bytes jpeg = tessera::testing::EncodeWithOpenCv(stored, ".jpg");
  Bytes seg = ExifOrientationSegment(orientation);
  jpeg.insert(jpeg.begin() + 2, seg.begin(), seg.end());
  return jpeg;
}

// Regression: orientations that read rows out of order (3..8) failed as corrupt_image ("out of
// order read") on any image taller than the sequential loader's cache.
TEST_F(CodecsTest, LargeOrientedJpegsDecodeUpright) {
  cv::Mat upright = tessera::testing::MakeTestPattern(900, 600);
  for (int n = 1; n <= 8; ++n) {
    SCOPED_TRACE("orientation " + std::to_string(n));
    Bytes source = OrientedJpeg(upright, n);
    EXPECT_EQ(MustProbe(source).orientation, n);
    for (const char* pipeline :
         {"format:type=png", "blur:sigma=0.5;format:type=png", "sharpen:sigma=1;format:type=png"}) {
      SCOPED_TRACE(pipeline);
      ProcessResult r = MustProcess(source, pipeline);
      ASSERT_EQ(r.width, 900);
      ASSERT_EQ(r.height, 600);
      cv::Mat got = DecodeWithOpenCv(r.bytes);
      EXPECT_GE(Psnr(got, upright), std::string(pipeline).find("format") == 0 ? 23.0 : 18.0);
    }
    ProcessResult small = MustProcess(source, "resize:w=300;format:type=png");
    EXPECT_EQ(small.width, 300);
    EXPECT_EQ(small.height, 200);
  }
}

TEST_F(CodecsTest, AutoOrientOffKeepsStoredPixels) {
  ProcessOptions options;
  options.auto_orient = false;
  auto r = Process(ReadTestData("orient_6.jpg"), MustParse("format:type=png"), options);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->width, 48);
  EXPECT_EQ(r->height, 64);
}

// ---------------------------------------------------------------------------------------------
// Metadata.

TEST_F(CodecsTest, StripRemovesExifByDefaultAndKeepIccKeepsOnlyTheProfile) {
  Bytes source = ReadTestData("icc_exif.jpg");
  ASSERT_TRUE(Contains(source, "ICC_PROFILE"));
  ASSERT_TRUE(Contains(source, std::string_view("Exif\0\0", 6)));
  ASSERT_TRUE(Contains(source, "TesseraCam"));

  for (const char* fmt : {"jpeg", "png", "webp", "tiff", "gif", "avif", "heif"}) {
    SCOPED_TRACE(fmt);
    Bytes out = MustProcess(source, std::string("format:type=") + fmt).bytes;
    EXPECT_FALSE(Contains(out, "TesseraCam"));  // the default strips in every format
    EXPECT_FALSE(Contains(out, "Model T"));
  }

  ProcessResult stripped = MustProcess(source, "format:type=jpeg");
  EXPECT_FALSE(Contains(stripped.bytes, "ICC_PROFILE"));
  EXPECT_FALSE(Contains(stripped.bytes, std::string_view("Exif\0\0", 6)));
  EXPECT_FALSE(Contains(stripped.bytes, "TesseraCam"));

  ProcessResult kept = MustProcess(source, "format:type=jpeg,strip=false");
  EXPECT_TRUE(Contains(kept.bytes, "ICC_PROFILE"));
  EXPECT_TRUE(Contains(kept.bytes, std::string_view("Exif\0\0", 6)));
  EXPECT_TRUE(Contains(kept.bytes, "TesseraCam"));

  // libvips 8.14 rebuilds an EXIF block whenever it writes a profile; the engine cuts it out.
  ProcessResult icc = MustProcess(source, "format:type=jpeg,keep_icc=true");
  EXPECT_TRUE(Contains(icc.bytes, "ICC_PROFILE"));
  EXPECT_FALSE(Contains(icc.bytes, std::string_view("Exif\0\0", 6)));
  EXPECT_FALSE(Contains(icc.bytes, "TesseraCam"));
  EXPECT_EQ(MaxAbsDiff(DecodeWithOpenCv(icc.bytes), DecodeWithOpenCv(stripped.bytes)), 0);

  // Regression: libvips 8.14's webpsave ignores strip, so EXIF (camera, GPS...) leaked.
  ProcessResult webp = MustProcess(source, "format:type=webp");
  EXPECT_FALSE(Contains(webp.bytes, "ICCP"));
  EXPECT_FALSE(Contains(webp.bytes, "EXIF"));
  EXPECT_FALSE(Contains(webp.bytes, "TesseraCam"));
  EXPECT_EQ(MustProbe(webp.bytes).width, 64);
  ProcessResult webp_kept = MustProcess(source, "format:type=webp,strip=false");
  EXPECT_TRUE(Contains(webp_kept.bytes, "ICCP"));
  EXPECT_TRUE(Contains(webp_kept.bytes, "EXIF"));
  ProcessResult webp_icc = MustProcess(source, "format:type=webp,keep_icc=true");
  EXPECT_TRUE(Contains(webp_icc.bytes, "ICCP"));
  EXPECT_FALSE(Contains(webp_icc.bytes, "EXIF"));
  EXPECT_FALSE(Contains(webp_icc.bytes, "TesseraCam"));
  ImageInfo webp_info = MustProbe(webp_icc.bytes);  // the RIFF and VP8X still add up
  EXPECT_EQ(webp_info.width, 64);
  EXPECT_EQ(MaxAbsDiff(DecodeWithOpenCv(webp_icc.bytes), DecodeWithOpenCv(webp.bytes)), 0);

  ProcessResult png_icc = MustProcess(source, "format:type=png,keep_icc=true");
  EXPECT_TRUE(Contains(png_icc.bytes, "iCCP"));
  EXPECT_FALSE(Contains(png_icc.bytes, "TesseraCam"));
  EXPECT_FALSE(Contains(png_icc.bytes, "eXIf"));
  ProcessResult png = MustProcess(source, "format:type=png");
  EXPECT_FALSE(Contains(png.bytes, "iCCP"));
  EXPECT_FALSE(Contains(png.bytes, "eXIf"));
  ProcessResult png_kept = MustProcess(source, "format:type=png,strip=false");
  EXPECT_TRUE(Contains(png_kept.bytes, "iCCP"));
  EXPECT_TRUE(Contains(png_kept.bytes, "TesseraCam"));

  // HEIF/AVIF: the profile is kept; libvips' rebuilt EXIF item is not removed (not asserted).
  for (const char* fmt : {"heif", "avif"}) {
    SCOPED_TRACE(fmt);
    ProcessResult heif = MustProcess(source, std::string("format:type=") + fmt + ",keep_icc=true");
    EXPECT_FALSE(Contains(heif.bytes, "TesseraCam"));
    ProcessResult plain = MustProcess(source, std::string("format:type=") + fmt);
    EXPECT_FALSE(Contains(plain.bytes, "TesseraCam"));
    EXPECT_LT(plain.bytes.size() + 1000, heif.bytes.size());  // the 6.9 KB profile is in
  }
}

// ---------------------------------------------------------------------------------------------
// CMYK.

TEST_F(CodecsTest, CmykJpegComesOutAsSrgbWithSensibleColours) {
  for (const char* fmt : {"png", "jpeg"}) {
    SCOPED_TRACE(fmt);
    ProcessResult r = MustProcess(ReadTestData("cmyk.jpg"), std::string("format:type=") + fmt);
    ImageInfo info = MustProbe(r.bytes);
    EXPECT_EQ(info.bands, 3);
    EXPECT_EQ(info.colourspace, "srgb");
    cv::Mat got = DecodeWithOpenCv(r.bytes);
    ASSERT_EQ(got.type(), CV_8UC3);
    auto centre = [&](int x, int y) { return cv::mean(got(cv::Rect(x, y, 16, 12))); };
    cv::Scalar tl = centre(8, 6), tr = centre(40, 6), bl = centre(8, 30), br = centre(40, 30);
    // red, green, blue, yellow quadrants: the named channels dominate by a clear margin.
    EXPECT_GT(tl[0], tl[1] + 80) << tl;
    EXPECT_GT(tl[0], tl[2] + 80) << tl;
    EXPECT_GT(tr[1], tr[0] + 60) << tr;
    EXPECT_GT(tr[1], tr[2] + 30) << tr;  // a CMYK press green is bluish
    EXPECT_GT(bl[2], bl[0] + 60) << bl;
    EXPECT_GT(bl[2], bl[1] + 40) << bl;
    EXPECT_GT(std::min(br[0], br[1]), br[2] + 80) << br;
  }
}

// ---------------------------------------------------------------------------------------------
// Extreme shapes.

TEST_F(CodecsTest, OnePixelAndOnePixelWideImagesSurviveResizeBlurAndCrop) {
  struct Case {
    const char* file;
    const char* pipeline;
    int width, height;
  };
  const Case cases[] = {
      {"1x1.png", "format:type=png", 1, 1},
      {"1x1.png", "resize:w=10,h=10,fit=fill,enlarge=true", 10, 10},
      {"1x1.png", "resize:w=10,h=10,fit=fill,enlarge=true,kernel=cubic", 10, 10},
      {"1x1.png", "blur:sigma=3", 1, 1},
      {"1x1.png", "blur:k=5", 1, 1},
      {"1x1.png", "crop:x=0,y=0,w=1,h=1", 1, 1},
      {"1x1.png", "thumbnail:w=8,h=8", 1, 1},
      {"1x1.png", "format:type=jpeg", 1, 1},
      {"1x1.png", "format:type=webp", 1, 1},
      {"1x10000.png", "resize:h=100", 1, 100},
      {"1x10000.png", "resize:h=100,kernel=linear", 1, 100},
      {"1x10000.png", "resize:w=4,h=40,fit=fill,enlarge=true", 4, 40},
      {"1x10000.png", "blur:sigma=2", 1, 10000},
      {"1x10000.png", "crop:x=0,y=5000,w=1,h=10", 1, 10},
      {"1x10000.png", "crop:w=1,h=1,gravity=centre", 1, 1},
      {"1x10000.png", "format:type=jpeg", 1, 10000},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.file) + " " + c.pipeline);
    ProcessResult r = MustProcess(ReadTestData(c.file), c.pipeline);
    EXPECT_EQ(r.width, c.width);
    EXPECT_EQ(r.height, c.height);
    ImageInfo out = MustProbe(r.bytes);
    EXPECT_EQ(out.width, c.width);
    EXPECT_EQ(out.height, c.height);
  }
  // A 1x1 colour survives exactly through png and the crop of a column is the right slice.
  cv::Mat one = DecodeWithOpenCv(MustProcess(ReadTestData("1x1.png"), "blur:sigma=3").bytes);
  EXPECT_EQ(one.at<cv::Vec3b>(0, 0), cv::Vec3b(10, 200, 30));
  cv::Mat slice =
      DecodeWithOpenCv(MustProcess(ReadTestData("1x10000.png"), "crop:x=0,y=5000,w=1,h=10").bytes);
  cv::Mat column = DecodeWithOpenCv(ReadTestData("1x10000.png"));
  EXPECT_EQ(MaxAbsDiff(slice, column(cv::Rect(0, 5000, 1, 10))), 0);
}

// ---------------------------------------------------------------------------------------------
// Encoder flags.

// The SOF marker's first component sampling byte: 0x22 for 4:2:0, 0x11 for 4:4:4.
int LumaSampling(const Bytes& jpeg) {
  for (size_t i = 0; i + 11 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xFF && (jpeg[i + 1] == 0xC0 || jpeg[i + 1] == 0xC1 || jpeg[i + 1] == 0xC2)) {
      return jpeg[i + 11];
    }
  }
  return -1;
}

bool HasMarker(const Bytes& jpeg, uint8_t marker) {
  const uint8_t m[2] = {0xFF, marker};
  return std::search(jpeg.begin(), jpeg.end(), m, m + 2) != jpeg.end();
}

TEST_F(CodecsTest, QualityProgressiveOptimizeAndSubsampleChangeTheOutput) {
  Bytes source = ReadTestData("quadrants.tif");
  cv::Mat truth = DecodeWithOpenCv(source);

  ProcessResult low = MustProcess(source, "format:type=jpeg,q=10");
  ProcessResult high = MustProcess(source, "format:type=jpeg,q=95");
  EXPECT_LT(low.bytes.size(), high.bytes.size());
  EXPECT_LT(Psnr(DecodeWithOpenCv(low.bytes), truth), Psnr(DecodeWithOpenCv(high.bytes), truth));

  ProcessResult baseline = MustProcess(source, "format:type=jpeg");
  ProcessResult progressive = MustProcess(source, "format:type=jpeg,progressive=true");
  EXPECT_FALSE(HasMarker(baseline.bytes, 0xC2));
  EXPECT_TRUE(HasMarker(progressive.bytes, 0xC2));
  EXPECT_EQ(MaxAbsDiff(DecodeWithOpenCv(baseline.bytes), DecodeWithOpenCv(progressive.bytes)), 0);

  // Huffman optimisation only re-codes the same coefficients: smaller, same pixels.
  ProcessResult optimized = MustProcess(source, "format:type=jpeg,optimize=true");
  EXPECT_LT(optimized.bytes.size(), baseline.bytes.size());
  EXPECT_EQ(MaxAbsDiff(DecodeWithOpenCv(baseline.bytes), DecodeWithOpenCv(optimized.bytes)), 0);

  EXPECT_EQ(LumaSampling(MustProcess(source, "format:type=jpeg,subsample=420").bytes), 0x22);
  EXPECT_EQ(LumaSampling(MustProcess(source, "format:type=jpeg,subsample=444").bytes), 0x11);
  // auto: 4:2:0 below q=90, 4:4:4 from q=90.
  EXPECT_EQ(LumaSampling(MustProcess(source, "format:type=jpeg,q=80").bytes), 0x22);
  EXPECT_EQ(LumaSampling(MustProcess(source, "format:type=jpeg,q=95").bytes), 0x11);

  ProcessResult webp_low = MustProcess(source, "format:type=webp,q=5");
  ProcessResult webp_high = MustProcess(source, "format:type=webp,q=100");
  EXPECT_LT(webp_low.bytes.size(), webp_high.bytes.size());

  // PNG interlace: byte 28 of the file is IHDR's interlace method.
  ProcessResult png = MustProcess(source, "format:type=png");
  ProcessResult adam7 = MustProcess(source, "format:type=png,progressive=true");
  ASSERT_GT(adam7.bytes.size(), 28u);
  EXPECT_EQ(png.bytes[28], 0);
  EXPECT_EQ(adam7.bytes[28], 1);
  EXPECT_EQ(MaxAbsDiff(DecodeWithOpenCv(adam7.bytes), truth), 0);

  ProcessResult avif_low = MustProcess(source, "format:type=avif,q=5");
  ProcessResult avif_high = MustProcess(source, "format:type=avif,q=95");
  EXPECT_LT(avif_low.bytes.size(), avif_high.bytes.size());
}

TEST_F(CodecsTest, NoFormatStepKeepsTheInputFormat) {
  for (const char* name : {"orient_1.jpg", "rgba.png", "quadrants.webp", "quadrants.tif",
                           "quadrants.gif", "quadrants.heic", "quadrants.avif"}) {
    SCOPED_TRACE(name);
    Bytes source = ReadTestData(name);
    ProcessResult r = MustProcess(source, "");
    EXPECT_EQ(r.format, MustProbe(source).format);
    EXPECT_EQ(SniffFormat(r.bytes), r.format);
  }
}

}  // namespace
}  // namespace tessera::engine
