#include "support/image_testing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/file_io.h"
#include "engine/engine.h"
#include "engine/vips/vips_adapter.h"

namespace tessera::testing {

cv::Mat MakeTestPattern(int width, int height, int bands, int depth) {
  cv::Mat m(height, width, CV_MAKETYPE(CV_8U, bands));
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      uint8_t r = static_cast<uint8_t>(255.0 * x / std::max(1, width - 1));
      uint8_t g = static_cast<uint8_t>(255.0 * y / std::max(1, height - 1));
      // hard-edged checks and a fine diagonal texture exercise filters and resamplers
      uint8_t b = static_cast<uint8_t>((((x / 16) + (y / 16)) % 2) ? 220 : 30);
      uint8_t t = static_cast<uint8_t>(128 + 100 * std::sin((x + 2 * y) * 0.7));
      uint8_t v[4] = {r, g, static_cast<uint8_t>((b + t) / 2),
                      static_cast<uint8_t>(x < width / 2 ? 255 : 96 + (y % 128))};
      uint8_t* px = m.ptr<uint8_t>(y) + static_cast<size_t>(x) * bands;
      if (bands <= 2) {
        px[0] = static_cast<uint8_t>((r * 3 + g * 5 + v[2] * 2) / 10);
        if (bands == 2) px[1] = v[3];
      } else {
        for (int c = 0; c < bands; ++c) px[c] = v[c];
      }
    }
  }
  if (depth == CV_16U) {
    cv::Mat wide;
    m.convertTo(wide, CV_16U, 257.0);
    return wide;
  }
  return m;
}

namespace {
cv::Mat SwapRB(const cv::Mat& m) {
  cv::Mat out;
  if (m.channels() == 3) {
    cv::cvtColor(m, out, cv::COLOR_RGB2BGR);
  } else if (m.channels() == 4) {
    cv::cvtColor(m, out, cv::COLOR_RGBA2BGRA);
  } else {
    out = m.clone();
  }
  return out;
}
}  // namespace

std::vector<uint8_t> EncodeWithOpenCv(const cv::Mat& rgb, const std::string& ext) {
  std::vector<uint8_t> out;
  cv::imencode(ext, SwapRB(rgb), out);
  return out;
}

cv::Mat DecodeWithOpenCv(std::span<const uint8_t> bytes) {
  cv::Mat buf(1, static_cast<int>(bytes.size()), CV_8U, const_cast<uint8_t*>(bytes.data()));
  cv::Mat m = cv::imdecode(buf, cv::IMREAD_UNCHANGED);
  if (m.empty()) return m;
  return SwapRB(m);
}

engine::Image ImageFromMat(const cv::Mat& rgb, bool has_alpha) {
  engine::Raster r = engine::Raster::Allocate(rgb.cols, rgb.rows, rgb.channels(),
                                              rgb.depth() == CV_16U ? 16 : 8, has_alpha);
  cv::Mat view(rgb.rows, rgb.cols, rgb.type(), r.data.get(), r.stride());
  rgb.copyTo(view);
  return engine::vips::FromRaster(std::move(r));
}

cv::Mat MatFromImage(const engine::Image& image) {
  auto r = engine::vips::ToRaster(image);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().ToString());
  if (!r) return {};
  int depth = r->bits == 16 ? CV_16U : CV_8U;
  cv::Mat view(r->height, r->width, CV_MAKETYPE(depth, r->bands), r->data.get(), r->stride());
  return view.clone();
}

double MaxAbsDiff(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat diff;
  cv::absdiff(a.reshape(1), b.reshape(1), diff);
  double mx = 0;
  cv::minMaxLoc(diff, nullptr, &mx);
  return mx;
}

double Psnr(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat fa, fb;
  a.convertTo(fa, CV_64F);
  b.convertTo(fb, CV_64F);
  cv::Mat d = fa - fb;
  double mse = d.dot(d) / static_cast<double>(a.total() * a.channels());
  if (mse == 0) return std::numeric_limits<double>::infinity();
  double peak = a.depth() == CV_16U ? 65535.0 : 255.0;
  return 10.0 * std::log10(peak * peak / mse);
}

std::vector<uint8_t> ReadTestData(const std::string& name) {
  auto bytes = ReadFile(std::string(TESSERA_TEST_DATA) + "/" + name);
  EXPECT_TRUE(bytes.has_value()) << name;
  return bytes ? *bytes : std::vector<uint8_t>{};
}

engine::Pipeline MustParsePipeline(std::string_view text) {
  auto p = engine::ParsePipeline(text);
  EXPECT_TRUE(p.has_value()) << text << ": " << (p ? "" : p.error().ToString());
  return p ? *p : engine::Pipeline{};
}

void InitEngineForTests() {
  auto s = engine::InitializeEngine(1);
  ASSERT_TRUE(s.has_value()) << s.error().ToString();
}

std::vector<uint8_t> EngineOutput(std::span<const uint8_t> input, std::string_view pipeline) {
  InitEngineForTests();
  auto r = engine::Process(input, MustParsePipeline(pipeline));
  EXPECT_TRUE(r.has_value()) << r.error().ToString();
  return r ? r->bytes : std::vector<uint8_t>{};
}

std::vector<uint8_t> CorruptPngPixels(std::vector<uint8_t> png) {
  static constexpr char kIdat[] = "IDAT";
  auto at = std::search(png.begin(), png.end(), kIdat, kIdat + 4);
  if (at == png.end()) return png;
  const size_t data = static_cast<size_t>(at - png.begin()) + 4;
  const size_t length = (size_t{*(at - 4)} << 24) | (size_t{*(at - 3)} << 16) |
                        (size_t{*(at - 2)} << 8) | size_t{*(at - 1)};
  for (size_t i = data + 2; i < data + std::min<size_t>(length, 64) && i < png.size(); ++i) {
    png[i] ^= 0x5A;
  }
  return png;
}

}  // namespace tessera::testing
