// The Gaussian kernel shared by blur, sharpen and edges: one definition of radius and border, so
// halos (for tiling) and results agree everywhere.
#pragma once

#include <opencv2/core.hpp>

namespace tessera::engine::ops {

// Kernel radius for sigma: ceil(3 sigma), so the truncated tail is under 0.3% of the mass.
int GaussianRadius(double sigma);

// Blurs src into dst (same shape) with a (2*radius+1)^2 separable Gaussian, edges extended by
// replicating the border pixel (clamp-to-edge, as libvips does). Under a StopToken
// (engine/stop_token.h) it blurs in bands of rows and returns early, dst unwritten, once the
// token is stopped; the bands' result is identical to the whole image's. Kernels of radius over
// 64 run as two 1-D passes in bands (with or without a token), each band a bounded amount of
// work, so that even blur:sigma=500 stops within a fraction of a second.
void GaussianBlur(const cv::Mat& src, cv::Mat& dst, double sigma, int radius);

}  // namespace tessera::engine::ops
