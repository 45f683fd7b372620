// Per-sample ops (OpSpec::point) as one lookup table over every sample value, applied to the
// colour bands of a raster in place; alpha is untouched.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/op_spec.h"
#include "engine/raster.h"

namespace tessera::engine::ops {

class PointTable {
 public:
  // The identity on samples of `bits` (8 or 16) bits.
  explicit PointTable(int bits);

  // Follows the table with `f`: every entry becomes f(entry), clamped to the sample range and
  // rounded half up (half away from zero, as std::round, since the value is never negative).
  void Then(const PointFunction& f);

  // Maps every colour sample of `r` (which must have the table's depth) through the table.
  void ApplyTo(Raster& r) const;

 private:
  int bits_;
  std::vector<uint16_t> table_;
};

// OpSpec::point run alone on a raster (what Process does for a run of one point step).
Raster ApplyPoint(Raster r, const PointFunction& f);

}  // namespace tessera::engine::ops
