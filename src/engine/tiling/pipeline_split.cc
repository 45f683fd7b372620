#include "engine/tiling/pipeline_split.h"

namespace tessera::engine {

bool IsTileable(const Step& step) { return RunsOnTiles(*step.op) && step.op->halo(step.args) >= 0; }

PipelineSplit SplitForTiling(const Pipeline& pipeline) {
  PipelineSplit split;
  const std::vector<Step>& steps = pipeline.steps;
  size_t i = 0;
  for (; i < steps.size() && !IsTileable(steps[i]); ++i) split.before.steps.push_back(steps[i]);
  for (; i < steps.size() && IsTileable(steps[i]); ++i) {
    split.local.steps.push_back(steps[i]);
    split.halo += steps[i].op->halo(steps[i].args);
  }
  for (; i < steps.size(); ++i) split.after.steps.push_back(steps[i]);
  // The format step is only encoder settings; keep it out of "before" so that a pipeline with
  // nothing tileable reads as a single whole-image part.
  if (!split.tileable() && !split.before.steps.empty() && split.before.FormatStep() != nullptr) {
    split.after.steps.push_back(split.before.steps.back());
    split.before.steps.pop_back();
  }
  return split;
}

std::string PipelineSplit::Describe() const {
  std::string out;
  auto part = [&out](const char* how, const Pipeline& p) {
    Pipeline ops;
    for (const Step& s : p.steps) {
      if (s.op->name != "format") ops.steps.push_back(s);
    }
    if (ops.steps.empty()) return;
    if (!out.empty()) out += " | ";
    out += how;
    out += ": ";
    out += ops.ToText();
  };
  part("whole", before);
  if (tileable()) part(("tiled (halo " + std::to_string(halo) + ")").c_str(), local);
  part("whole", after);
  if (out.empty()) out = "whole: (no ops)";
  return out;
}

}  // namespace tessera::engine
