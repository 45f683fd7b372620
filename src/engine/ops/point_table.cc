#include "engine/ops/point_table.h"

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>

#include "engine/ops/cv_bridge.h"

namespace tessera::engine::ops {

PointTable::PointTable(int bits) : bits_(bits), table_(bits == 16 ? 65536 : 256) {
  for (size_t v = 0; v < table_.size(); ++v) table_[v] = static_cast<uint16_t>(v);
}

void PointTable::Then(const PointFunction& f) {
  double max = static_cast<double>(table_.size() - 1);
  for (uint16_t& e : table_) {
    double v = std::clamp(f(e, max), 0.0, max);
    e = static_cast<uint16_t>(std::floor(v + 0.5));
  }
}

namespace {

void Apply16(const std::vector<uint16_t>& table, Raster& r) {
  auto* p = reinterpret_cast<uint16_t*>(r.data.get());
  size_t pixels = static_cast<size_t>(r.width) * r.height;
  if (!r.has_alpha) {
    for (size_t i = 0, n = pixels * r.bands; i < n; ++i) p[i] = table[p[i]];
    return;
  }
  int colour = r.bands - 1;
  for (size_t i = 0; i < pixels; ++i, p += r.bands) {
    for (int c = 0; c < colour; ++c) p[c] = table[p[c]];
  }
}

}  // namespace

void PointTable::ApplyTo(Raster& r) const {
  if (bits_ == 16) {
    Apply16(table_, r);
    return;
  }
  cv::Mat m = AsMat(r);
  if (!r.has_alpha) {
    cv::Mat lut(1, 256, CV_8U);
    for (int v = 0; v < 256; ++v) lut.at<uint8_t>(v) = static_cast<uint8_t>(table_[v]);
    cv::Mat samples = m.reshape(1);
    cv::LUT(samples, lut, samples);
    return;
  }
  // One table per band, the alpha band's the identity.
  cv::Mat lut(1, 256, CV_8UC(r.bands));
  for (int v = 0; v < 256; ++v) {
    uint8_t* e = lut.ptr<uint8_t>() + v * r.bands;
    for (int c = 0; c < r.bands - 1; ++c) e[c] = static_cast<uint8_t>(table_[v]);
    e[r.bands - 1] = static_cast<uint8_t>(v);
  }
  cv::LUT(m, lut, m);
}

Raster ApplyPoint(Raster r, const PointFunction& f) {
  PointTable table(r.bits);
  table.Then(f);
  table.ApplyTo(r);
  return r;
}

}  // namespace tessera::engine::ops
