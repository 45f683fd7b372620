// A validated pipeline: the ordered steps (op + arguments) one image goes through.
//
// Two spellings parse into the same value and print back the same:
//   text  resize:w=800,fit=cover;blur:sigma=3;format:type=webp,q=80
//         ("/" may stand for ";", which needs no quoting in a shell)
//   JSON  [{"op":"resize","w":800,"fit":"cover"},{"op":"blur","sigma":3},
//          {"op":"format","type":"webp","q":80}]
// Printing writes the parameters the user gave, in declaration order, so
// text -> value -> JSON -> value -> text is the identity on canonical text.
//
// Every parse error is kBadPipeline; its message names the step, op, parameter, the value given
// and what is allowed, and Error::field is "<op>.<param>" (or "op" for an unknown op).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "engine/op_spec.h"

namespace tessera::engine {

struct Step {
  const OpSpec* op = nullptr;
  Args args;
  bool operator==(const Step& o) const { return op == o.op && args == o.args; }
};

struct Pipeline {
  std::vector<Step> steps;

  bool operator==(const Pipeline& o) const { return steps == o.steps; }
  std::string ToText() const;
  std::string ToJson() const;
  // The trailing format step, or nullptr when the pipeline has none.
  const Step* FormatStep() const;
};

Result<Pipeline> ParsePipelineText(std::string_view text);
Result<Pipeline> ParsePipelineJson(std::string_view json);
// JSON if the first non-blank character is '[', text otherwise.
Result<Pipeline> ParsePipeline(std::string_view text_or_json);

}  // namespace tessera::engine
