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

// Above this radius the row bands above would each re-read most of the image (a blur:sigma=500
// is one 3001-tap pass over every row, tens of seconds on two megapixels, with no stop possible
// inside it). Such kernels run as two 1-D passes instead, each in bands along the direction it
// does not filter (rows for the horizontal pass, columns for the vertical), so no band re-reads
// anything and a stop is seen within a band's work. Every pixel's sum takes its taps in the
// same order whatever the band, so bands, tiles and the whole image agree exactly; the choice
// depends on the radius only, never on the image's size.
constexpr int kTwoPassRadius = 64;
// Multiply-adds per band of the two-pass blur: a few tens of milliseconds of one core.
constexpr double kTwoPassBandWork = 50e6;

int BandSize(int lines, int line_samples, int taps) {
  const double per_line = static_cast<double>(line_samples) * taps;
  return std::clamp(static_cast<int>(kTwoPassBandWork / per_line), 1, std::max(1, lines));
}

void TwoPassGaussianBlur(const cv::Mat& src, cv::Mat& dst, double sigma, int radius) {
  const int k = 2 * radius + 1;
  const cv::Mat kernel = cv::getGaussianKernel(k, sigma, CV_32F);
  const cv::Mat identity = cv::Mat::ones(1, 1, CV_32F);
  const int channels = src.channels();
  cv::Mat across(src.size(), CV_MAKETYPE(CV_32F, channels));
  const int row_band = BandSize(src.rows, src.cols * channels, k);
  for (int top = 0; top < src.rows; top += row_band) {
    if (StopRequestedHere()) return;
    const int rows = std::min(row_band, src.rows - top);
    cv::Mat in = src.rowRange(top, top + rows).clone();
    cv::Mat out;
    cv::sepFilter2D(in, out, CV_32F, kernel, identity, cv::Point(-1, -1), 0, cv::BORDER_REPLICATE);
    out.copyTo(across.rowRange(top, top + rows));
  }
  cv::Mat whole_out(src.size(), src.type());
  const int col_band = BandSize(src.cols, src.rows * channels, k);
  for (int left = 0; left < src.cols; left += col_band) {
    if (StopRequestedHere()) return;
    const int cols = std::min(col_band, src.cols - left);
    cv::Mat in = across.colRange(left, left + cols).clone();
    cv::Mat out;
    cv::sepFilter2D(in, out, src.depth(), identity, kernel, cv::Point(-1, -1), 0,
                    cv::BORDER_REPLICATE);
    out.copyTo(whole_out.colRange(left, left + cols));
  }
  whole_out.copyTo(dst);
}

}  // namespace

int GaussianRadius(double sigma) { return std::max(1, static_cast<int>(std::ceil(3.0 * sigma))); }

void GaussianBlur(const cv::Mat& src, cv::Mat& dst, double sigma, int radius) {
  if (radius > kTwoPassRadius) {
    TwoPassGaussianBlur(src, dst, sigma, radius);
    return;
  }
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
