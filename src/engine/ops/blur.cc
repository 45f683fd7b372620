// blur: Gaussian blur by sigma, or by a kernel size k (sigma = k/3); rounded to nearest, or
// truncated like the tile-blur service tessera replaces (truncating_gaussian.h).
#include <string>

#include "engine/ops/cv_bridge.h"
#include "engine/ops/gaussian.h"
#include "engine/ops/ops.h"
#include "engine/ops/truncating_gaussian.h"

namespace tessera::engine::ops {
namespace {

constexpr std::string_view kRoundings[] = {"nearest", "truncate"};
// The truncating kernel recomputes some samples with k*k multiply-adds; keep that bounded.
constexpr int64_t kMaxTruncatingK = 101;

constexpr ParamSpec kParams[] = {
    {.name = "sigma",
     .type = ParamType::kFloat,
     .description = "standard deviation in pixels (default 1.5 unless k is given)",
     .min = 0.1,
     .max = 500},
    {.name = "k",
     .type = ParamType::kInt,
     .description = "kernel size in pixels, odd unless rounding=truncate; means sigma = k/3",
     .min = 3,
     .max = 3001},
    {.name = "rounding",
     .type = ParamType::kEnum,
     .description =
         "nearest: separable kernel, rounded (default); truncate: the k x k float64 kernel "
         "truncated to 8 bits on RGBA, bit-exact with the tile-blur service (needs k)",
     .default_value = "nearest",
     .choices = kRoundings},
};

constexpr double kDefaultSigma = 1.5;

Status Validate(const Args& a) {
  if (a.Has("sigma") && a.Has("k")) {
    return MakeError(ErrorCode::kBadPipeline, "give sigma or k, not both", "blur.k");
  }
  if (a.Enum("rounding") == "truncate") {
    if (!a.Has("k")) {
      return MakeError(ErrorCode::kBadPipeline, "rounding=truncate needs k (the kernel size)",
                       "blur.k");
    }
    if (a.Int("k") > kMaxTruncatingK) {
      return MakeError(ErrorCode::kBadPipeline,
                       "k=" + std::to_string(a.Int("k")) +
                           " is too large for rounding=truncate; "
                           "expected at most " +
                           std::to_string(kMaxTruncatingK),
                       "blur.k");
    }
    return OkStatus();
  }
  if (a.Has("k") && a.Int("k") % 2 == 0) {
    return MakeError(ErrorCode::kBadPipeline, "k=" + std::to_string(a.Int("k")) + " must be odd",
                     "blur.k");
  }
  return OkStatus();
}

double SigmaOf(const Args& a) {
  if (a.Has("k")) return static_cast<double>(a.Int("k")) / 3.0;
  return a.Has("sigma") ? a.Float("sigma") : kDefaultSigma;
}

int Halo(const Args& a) {
  if (a.Has("k")) return static_cast<int>(a.Int("k") / 2);
  return GaussianRadius(SigmaOf(a));
}

Result<Raster> Blur(Raster src, const Args& a) {
  if (a.Enum("rounding") == "truncate") {
    return TruncatingGaussianBlur(src, static_cast<int>(a.Int("k")));
  }
  Raster dst = Raster::AllocateLike(src);
  cv::Mat d = AsMat(dst);
  GaussianBlur(AsMat(src), d, SigmaOf(a), Halo(a));
  return dst;
}

}  // namespace

const OpSpec kBlur{
    .name = "blur",
    .description = "Gaussian blur (edges clamp to the border pixel)",
    .params = kParams,
    .halo = Halo,
    .validate = Validate,
    .raster = Blur,
};

}  // namespace tessera::engine::ops
