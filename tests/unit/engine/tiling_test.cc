// Tiled processing is exact: for every tileable op and pipelines of them, at any tile size and
// on awkward shapes (1-pixel-wide, prime, smaller than a tile), the tiles put back together are
// pixel-identical to the whole-image run, before encoding and after lossless encoding; and the
// plan, the pipeline split and the raw tile format behave as documented.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/op_registry.h"
#include "engine/process_steps.h"
#include "engine/tiling/pipeline_split.h"
#include "engine/tiling/raw_tile.h"
#include "engine/tiling/tile_plan.h"
#include "engine/tiling/tile_region.h"
#include "engine/tiling/tiled_process.h"
#include "ops_testing.h"
#include "support/image_testing.h"

namespace tessera::engine {
namespace {

using ops_testing::Identical;
using ops_testing::MaxDiff;
using tessera::testing::ImageFromMat;
using tessera::testing::MakeTestPattern;
using tessera::testing::MatFromImage;
using tessera::testing::MustParsePipeline;

TEST(TilePlanTest, TilesCoverTheImageOnceAndInputsAreGrownAndClipped) {
  for (auto [w, h, ts, halo] : {std::tuple{1, 1, 1, 0},
                                {1, 1, 64, 5},
                                {97, 89, 16, 3},
                                {100, 30, 7, 0},
                                {5, 200, 3, 10},
                                {64, 64, 64, 1}}) {
    auto plan = PlanTiles(w, h, ts, halo);
    ASSERT_TRUE(plan.has_value());
    EXPECT_EQ(plan->columns(), (w + ts - 1) / ts);
    EXPECT_EQ(plan->rows(), (h + ts - 1) / ts);
    std::vector<int> covered(static_cast<size_t>(w) * h, 0);
    for (int i = 0; i < plan->count(); ++i) {
      Tile t = plan->At(i);
      EXPECT_EQ(t.index, i);
      EXPECT_EQ(t.row * plan->columns() + t.column, i);
      for (int y = t.out.y; y < t.out.y + t.out.height; ++y) {
        for (int x = t.out.x; x < t.out.x + t.out.width; ++x) ++covered[y * w + x];
      }
      EXPECT_EQ(t.in.x, std::max(0, t.out.x - halo));
      EXPECT_EQ(t.in.y, std::max(0, t.out.y - halo));
      EXPECT_EQ(t.in.x + t.in.width, std::min(w, t.out.x + t.out.width + halo));
      EXPECT_EQ(t.in.y + t.in.height, std::min(h, t.out.y + t.out.height + halo));
      Rect row = plan->RowRect(t.row);
      EXPECT_EQ(row.y, t.out.y);
      EXPECT_EQ(row.height, t.out.height);
      Rect row_in = plan->RowInputRect(t.row);
      EXPECT_EQ(row_in.y, t.in.y);
      EXPECT_EQ(row_in.height, t.in.height);
    }
    for (int c : covered) ASSERT_EQ(c, 1) << w << "x" << h << " tile " << ts;
  }
}

TEST(TilePlanTest, RejectsEmptyImagesBadTileSizesAndGlobalHalos) {
  EXPECT_EQ(PlanTiles(0, 5, 16, 0).error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(PlanTiles(5, 5, 0, 0).error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(PlanTiles(5, 5, 16, kGlobalHalo).error().code, ErrorCode::kBadRequest);
}

TEST(PipelineSplitTest, GeometryBeforeLocalRunAndTheRestAfter) {
  PipelineSplit s = SplitForTiling(MustParsePipeline(
      "resize:w=100;blur:sigma=2;sharpen:sigma=1;brightness:factor=1.1;rotate:angle=90;"
      "blur:sigma=1;format:type=png"));
  EXPECT_EQ(s.before.ToText(), "resize:w=100");
  EXPECT_EQ(s.local.ToText(), "blur:sigma=2;sharpen:sigma=1;brightness:factor=1.1");
  EXPECT_EQ(s.after.ToText(), "rotate:angle=90;blur:sigma=1;format:type=png");
  EXPECT_EQ(s.halo, 6 + 3 + 0);
  EXPECT_EQ(
      s.Describe(),
      "whole: resize:w=100 | tiled (halo 9): blur:sigma=2;sharpen:sigma=1;brightness:factor=1.1"
      " | whole: rotate:angle=90;blur:sigma=1");
}

TEST(PipelineSplitTest, CannyAndGeometryAreNotTileable) {
  EXPECT_FALSE(IsTileable(MustParsePipeline("edges:mode=canny").steps[0]));
  EXPECT_TRUE(IsTileable(MustParsePipeline("edges").steps[0]));
  EXPECT_FALSE(IsTileable(MustParsePipeline("crop:x=0,y=0,w=1,h=1").steps[0]));
  PipelineSplit s = SplitForTiling(MustParsePipeline("edges:mode=canny;format:type=png"));
  EXPECT_FALSE(s.tileable());
  EXPECT_TRUE(s.before.steps.size() == 1 && s.after.steps.size() == 1);
  EXPECT_EQ(s.Describe(), "whole: edges:mode=canny");
}

// The op listing's "tileable" (tessera ops --json, GET /v1/ops) is what the splitter does: an op
// listed as tileable runs on tiles with its default arguments, one listed otherwise never does
// (the format step, which only names the encoder, included).
TEST(PipelineSplitTest, OpListingSaysWhichOpsRunOnTiles) {
  const auto listing = nlohmann::json::parse(OpsAsJson());
  ASSERT_EQ(listing.size(), AllOps().size());
  for (const auto& op : listing) {
    const std::string name = op["name"];
    auto pipeline = ParsePipeline(name);
    if (!pipeline) {  // needs arguments (crop, thumbnail): geometry, never on tiles
      EXPECT_FALSE(op["tileable"].get<bool>()) << name;
      continue;
    }
    EXPECT_EQ(IsTileable(pipeline->steps[0]), op["tileable"].get<bool>()) << name;
  }
}

TEST(RawTileTest, RoundTripsEveryShapeAndRejectsDamage) {
  for (auto [bands, bits, alpha] :
       {std::tuple{1, 8, false}, {2, 8, true}, {3, 16, false}, {4, 16, true}}) {
    cv::Mat m = MakeTestPattern(13, 5, bands, bits == 16 ? CV_16U : CV_8U);
    auto r = vips::ToRaster(ImageFromMat(m, alpha));
    ASSERT_TRUE(r.has_value());
    std::vector<uint8_t> bytes = EncodeRawTile(*r);
    EXPECT_EQ(bytes.size(), 24 + r->size_bytes());
    auto back = DecodeRawTile(bytes);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->has_alpha, alpha);
    EXPECT_EQ(back->bits, bits);
    EXPECT_TRUE(Identical(MatFromImage(vips::FromRaster(std::move(*back))), m));
    bytes.pop_back();
    EXPECT_EQ(DecodeRawTile(bytes).error().code, ErrorCode::kCorruptImage);
    bytes[0] = 'X';
    EXPECT_EQ(DecodeRawTile(bytes).error().code, ErrorCode::kCorruptImage);
  }
}

// Every tileable op alone and in pipelines, including seed-style blur:k=15.
const char* const kLocalPipelines[] = {
    "blur:sigma=1.5",
    "blur:k=15",
    "blur:k=15,rounding=truncate",
    "blur:k=4,rounding=truncate",
    "blur:sigma=0.3",
    "sharpen:sigma=2,amount=1.5",
    "sharpen:sigma=1,amount=3,threshold=10",
    "edges",
    "brightness:factor=1.3",
    "contrast:factor=1.4",
    "saturation:factor=1.7",
    "gamma:g=0.6",
    "grayscale",
    "invert",
    "blur:sigma=2;sharpen:sigma=1;edges",
    "contrast:factor=1.2;blur:sigma=1;invert;sharpen:sigma=0.8,amount=2;gamma:g=1.3",
    "saturation:factor=0.5;grayscale;blur:k=5;brightness:factor=0.8",
};

cv::Mat WholeLocal(const cv::Mat& in, bool alpha, const PipelineSplit& split) {
  auto out = RunSteps(ImageFromMat(in, alpha), split.local.steps, 0, Limits{});
  EXPECT_TRUE(out.has_value()) << (out ? "" : out.error().ToString());
  return out ? MatFromImage(*out) : cv::Mat();
}

cv::Mat TiledLocal(const cv::Mat& in, bool alpha, const PipelineSplit& split, int tile_size,
                   int threads) {
  TilingOptions tiling;
  tiling.tile_size = tile_size;
  tiling.threads = threads;
  auto tiled = RunLocalTiled(ImageFromMat(in, alpha), split, tiling, Limits{});
  EXPECT_TRUE(tiled.has_value()) << (tiled ? "" : tiled.error().ToString());
  if (!tiled) return {};
  EXPECT_EQ(tiled->plan.count(),
            ((in.cols + tile_size - 1) / tile_size) * ((in.rows + tile_size - 1) / tile_size));
  cv::Mat m = MatFromImage(tiled->image);
  EXPECT_FALSE(tiled->errors->First().has_value());
  return m;
}

TEST(TiledExactnessTest, EveryTileableOpAndPipelineAtEveryTileSizeBeforeEncoding) {
  struct Shape {
    int w, h, bands, depth;
    bool alpha;
  };
  const Shape shapes[] = {{1, 1, 3, CV_8U, false},   {1, 37, 3, CV_8U, false},
                          {37, 1, 1, CV_8U, false},  {2, 3, 4, CV_8U, true},
                          {97, 89, 3, CV_8U, false}, {61, 53, 4, CV_16U, true},
                          {41, 43, 2, CV_8U, true},  {64, 48, 1, CV_16U, false}};
  const int tile_sizes[] = {1, 2, 5, 16, 31, 64, 1000};
  int compared = 0;
  for (const char* text : kLocalPipelines) {
    PipelineSplit split = SplitForTiling(MustParsePipeline(text));
    ASSERT_TRUE(split.tileable()) << text;
    ASSERT_EQ(split.local.steps.size(), MustParsePipeline(text).steps.size()) << text;
    for (const Shape& s : shapes) {
      cv::Mat in = MakeTestPattern(s.w, s.h, s.bands, s.depth);
      cv::Mat whole = WholeLocal(in, s.alpha, split);
      for (int ts : tile_sizes) {
        // Tiles of one or two pixels on the bigger shapes add nothing the small ones do not test.
        if (ts <= 2 && s.w * s.h > 2000) continue;
        int threads = (ts % 2 == 0) ? 3 : 1;
        cv::Mat tiled = TiledLocal(in, s.alpha, split, ts, threads);
        ASSERT_TRUE(Identical(tiled, whole))
            << text << " on " << s.w << "x" << s.h << "x" << s.bands << " tile " << ts
            << ": max diff " << MaxDiff(tiled, whole);
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, 700);
}

// Whole pipelines through the encoders: engine::Process against engine::ProcessTiled with
// tiling forced on, output decoded by OpenCV (independent of libvips) and compared exactly.
TEST(TiledExactnessTest, ProcessTiledEqualsProcessAfterLosslessEncoding) {
  cv::Mat rgb = MakeTestPattern(211, 157, 3);  // prime-ish, not a multiple of any tile size
  cv::Mat rgba16 = MakeTestPattern(101, 67, 4, CV_16U);
  struct Case {
    const cv::Mat* image;
    const char* pipeline;
  };
  const Case cases[] = {
      {&rgb, "blur:sigma=2;sharpen;format:type=png"},
      {&rgb, "resize:w=150;blur:k=15;edges;format:type=png"},
      {&rgb, "blur:sigma=1;rotate:angle=90;invert;format:type=png"},
      {&rgb,
       "crop:x=3,y=5,w=199,h=141;contrast:factor=1.3;blur:sigma=3;format:type=webp,lossless=true"},
      {&rgb, "sharpen:sigma=1.5,amount=2;flip:dir=v;format:type=tiff"},
      {&rgba16, "blur:sigma=1.2;gamma:g=0.8;format:type=png"},
      // Radius 90: the two-pass Gaussian (ops/gaussian.h), its halo wider than most tiles.
      {&rgb, "blur:sigma=30;format:type=png"},
  };
  ProcessOptions options;
  for (const Case& c : cases) {
    std::vector<uint8_t> png = tessera::testing::EncodeWithOpenCv(*c.image, ".png");
    Pipeline pipeline = MustParsePipeline(c.pipeline);
    auto whole = Process(png, pipeline, options);
    ASSERT_TRUE(whole.has_value()) << c.pipeline << ": " << whole.error().ToString();
    cv::Mat expected = tessera::testing::DecodeWithOpenCv(whole->bytes);
    ASSERT_FALSE(expected.empty()) << c.pipeline;
    for (int ts : {7, 32, 100, 4096}) {
      TilingOptions tiling;
      tiling.mode = TileMode::kOn;
      tiling.tile_size = ts;
      tiling.threads = 2;
      auto tiled = ProcessTiled(png, pipeline, options, tiling);
      ASSERT_TRUE(tiled.has_value()) << c.pipeline << ": " << tiled.error().ToString();
      EXPECT_GT(tiled->tiles, 0) << c.pipeline;
      EXPECT_NE(tiled->execution.find("tiled"), std::string::npos) << tiled->execution;
      cv::Mat got = tessera::testing::DecodeWithOpenCv(tiled->result.bytes);
      ASSERT_TRUE(Identical(got, expected))
          << c.pipeline << " tile " << ts << ": max diff " << MaxDiff(got, expected);
    }
  }
}

TEST(TiledProcessTest, AutoTilesOnlyAboveTheThresholdAndOffNeverTiles) {
  cv::Mat rgb = MakeTestPattern(120, 80, 3);
  std::vector<uint8_t> png = tessera::testing::EncodeWithOpenCv(rgb, ".png");
  Pipeline pipeline = MustParsePipeline("blur:sigma=1;format:type=png");
  TilingOptions tiling;
  tiling.tile_size = 32;
  tiling.auto_threshold_pixels = 120 * 80;  // not above: whole
  auto r = ProcessTiled(png, pipeline, {}, tiling);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->tiles, 0);
  EXPECT_EQ(r->execution, "whole: blur:sigma=1;format:type=png");
  tiling.auto_threshold_pixels = 120 * 80 - 1;
  r = ProcessTiled(png, pipeline, {}, tiling);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->tiles, 4 * 3);
  tiling.mode = TileMode::kOff;
  r = ProcessTiled(png, pipeline, {}, tiling);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->tiles, 0);
  tiling.mode = TileMode::kOn;  // nothing tileable: whole even when forced
  r = ProcessTiled(png, MustParsePipeline("edges:mode=canny;format:type=png"), {}, tiling);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->tiles, 0);
}

// Seed 000's blur: a k x k Gaussian with sigma = k/3, clamp-to-edge, each output truncated to
// 8 bits; here in float64, written independently of OpenCV and tessera.
cv::Mat SeedBlurReference(const cv::Mat& in, int k) {
  double sigma = k / 3.0;
  int r = k / 2;
  std::vector<double> w(k);
  double sum = 0;
  for (int i = 0; i < k; ++i) sum += w[i] = std::exp(-(i - r) * (i - r) / (2 * sigma * sigma));
  for (double& v : w) v /= sum;
  int ch = in.channels();
  cv::Mat out(in.size(), in.type());
  for (int y = 0; y < in.rows; ++y) {
    for (int x = 0; x < in.cols; ++x) {
      for (int c = 0; c < ch; ++c) {
        double acc = 0;
        for (int j = 0; j < k; ++j) {
          int yy = std::clamp(y + j - r, 0, in.rows - 1);
          for (int i = 0; i < k; ++i) {
            int xx = std::clamp(x + i - r, 0, in.cols - 1);
            acc += w[j] * w[i] * in.ptr<uint8_t>(yy)[xx * ch + c];
          }
        }
        out.ptr<uint8_t>(y)[x * ch + c] = static_cast<uint8_t>(std::floor(acc));
      }
    }
  }
  return out;
}

TEST(SeedReferenceTest, BlurK15IsCloseToSeedBlurAndTileInvariant) {
  cv::Mat in = MakeTestPattern(160, 120, 3);
  cv::Mat reference = SeedBlurReference(in, 15);
  PipelineSplit split = SplitForTiling(MustParsePipeline("blur:k=15"));
  cv::Mat whole = WholeLocal(in, false, split);
  double max_diff = MaxDiff(whole, reference);
  double psnr = tessera::testing::Psnr(whole, reference);
  cv::Mat diff;
  cv::subtract(ops_testing::ToF64(whole), ops_testing::ToF64(reference), diff);
  double mean_signed = cv::mean(diff.reshape(1))[0];
  // Recorded in docs/ARCHITECTURE.md ("Tiled processing"): tessera rounds to nearest where the
  // seed truncates, so tessera is on average about half a level brighter.
  std::printf(
      "blur:k=15 vs seed reference: max diff %.0f, PSNR %.2f dB, mean(tessera - seed) "
      "%.3f\n",
      max_diff, psnr, mean_signed);
  EXPECT_LE(max_diff, 2);
  EXPECT_GT(psnr, 45);
  EXPECT_GT(mean_signed, 0.3);
  EXPECT_LT(mean_signed, 0.7);
  for (int ts : {1, 7, 15, 16, 64}) {
    EXPECT_TRUE(Identical(TiledLocal(in, false, split, ts, 2), whole)) << "tile " << ts;
  }
}

}  // namespace
}  // namespace tessera::engine

namespace tessera::engine {
namespace {

TEST(TileSizeForTest, AutomaticSizeHalvesForVeryWideImages) {
  EXPECT_EQ(TileSizeFor(5657, 0), kDefaultTileSize);
  EXPECT_EQ(TileSizeFor(kWideImageWidth, 0), kDefaultTileSize);
  EXPECT_EQ(TileSizeFor(kWideImageWidth + 1, 0), kDefaultTileSize / 2);
  EXPECT_EQ(TileSizeFor(25600, 0), 512);
  EXPECT_EQ(TileSizeFor(25600, 300), 300);  // an explicit size is kept
  EXPECT_EQ(TileSizeFor(10, 4096), 4096);
}

}  // namespace
}  // namespace tessera::engine
