// How a pipeline divides for tiled processing:
//   before  the steps up to the first tileable one (e.g. a shrink), run once on the whole,
//           lazily streamed image;
//   local   the longest run of tileable steps from there: raster or point ops that keep the
//           geometry, read in order and have a finite halo (RunsOnTiles in op_spec.h; the ops
//           `tessera ops` lists as tileable, e.g. blur or Sobel edges); run tile by tile;
//   after   everything else (geometry or global ops such as Canny edges, and the format step),
//           run once on the assembled image.
// A pipeline without a tileable step has an empty `local` and runs whole.
#pragma once

#include <string>

#include "engine/pipeline.h"

namespace tessera::engine {

// True if `step` can run on a tile with its halo and give exactly the whole-image pixels: its
// op RunsOnTiles (read from its OpSpec alone) and its halo for these arguments is finite.
bool IsTileable(const Step& step);

struct PipelineSplit {
  Pipeline before;
  Pipeline local;
  Pipeline after;
  int halo = 0;  // sum of the local steps' halos

  bool tileable() const { return !local.steps.empty(); }
  // One line for job records and logs, e.g.
  // "whole: thumbnail:w=4000 | tiled (halo 18): blur:sigma=5;sharpen | whole: rotate:angle=90".
  std::string Describe() const;
};

PipelineSplit SplitForTiling(const Pipeline& pipeline);

}  // namespace tessera::engine
