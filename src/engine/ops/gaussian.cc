#include "engine/ops/gaussian.h"

#include <cmath>
#include <opencv2/imgproc.hpp>

namespace tessera::engine::ops {

int GaussianRadius(double sigma) { return std::max(1, static_cast<int>(std::ceil(3.0 * sigma))); }

void GaussianBlur(const cv::Mat& src, cv::Mat& dst, double sigma, int radius) {
  int k = 2 * radius + 1;
  cv::GaussianBlur(src, dst, cv::Size(k, k), sigma, sigma, cv::BORDER_REPLICATE);
}

}  // namespace tessera::engine::ops
