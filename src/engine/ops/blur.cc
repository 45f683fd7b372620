// blur: Gaussian blur by sigma, or by a seed-style kernel size k (sigma = k/3).
#include "engine/ops/cv_bridge.h"
#include "engine/ops/gaussian.h"
#include "engine/ops/ops.h"

namespace tessera::engine::ops {
namespace {

constexpr ParamSpec kParams[] = {
    {.name = "sigma",
     .type = ParamType::kFloat,
     .description = "standard deviation in pixels (default 1.5 unless k is given)",
     .min = 0.1,
     .max = 500},
    {.name = "k",
     .type = ParamType::kInt,
     .description = "kernel size in pixels, odd; means sigma = k/3 (compatibility spelling)",
     .min = 3,
     .max = 3001},
};

constexpr double kDefaultSigma = 1.5;

Status Validate(const Args& a) {
  if (a.Has("sigma") && a.Has("k")) {
    return MakeError(ErrorCode::kBadPipeline, "give sigma or k, not both", "blur.k");
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
