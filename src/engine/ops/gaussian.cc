#include "engine/ops/gaussian.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "engine/stop_token.h"

namespace tessera::engine::ops {
namespace {

// With a stop token, the blur runs in bands of rows so that a stop is seen between bands. Each
// band is blurred as its own image, copied out with `radius` rows of real neighbours above and
// below (clipped at the image's edges, where the border rule applies as on the whole image):
// the same reasoning as tiling (tiling/tile_plan.h), so the bands together equal the whole
// blur. (Views into the whole image would not: OpenCV takes another code path for a view, which
// rounds differently.) Bands are at least 8 radii tall, so the re-read rows cost at most a
// quarter more of the horizontal pass, and never under 64 rows.
constexpr int kMinBandRows = 64;
constexpr int kBandRadii = 8;

}  // namespace

int GaussianRadius(double sigma) { return std::max(1, static_cast<int>(std::ceil(3.0 * sigma))); }

void GaussianBlur(const cv::Mat& src, cv::Mat& dst, double sigma, int radius) {
  int k = 2 * radius + 1;
  const int band = std::max(kMinBandRows, kBandRadii * radius);
  if (CurrentStopToken() == nullptr || band >= src.rows) {
    cv::GaussianBlur(src, dst, cv::Size(k, k), sigma, sigma, cv::BORDER_REPLICATE);
    return;
  }
  cv::Mat whole_out(src.size(), src.type());
  for (int top = 0; top < src.rows; top += band) {
    // The caller checks the token after the step and drops the unfinished output.
    if (StopRequestedHere()) return;
    const int rows = std::min(band, src.rows - top);
    const int from = std::max(0, top - radius);
    const int to = std::min(src.rows, top + rows + radius);
    cv::Mat in = src.rowRange(from, to).clone();
    cv::Mat out;
    cv::GaussianBlur(in, out, cv::Size(k, k), sigma, sigma, cv::BORDER_REPLICATE);
    out.rowRange(top - from, top - from + rows).copyTo(whole_out.rowRange(top, top + rows));
  }
  // Written last, so that src and dst may be the same image.
  whole_out.copyTo(dst);
}

}  // namespace tessera::engine::ops
