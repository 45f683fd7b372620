#include "api/compat/imageflow/imageflow_naming.h"

namespace tessera::api::compat::imageflow {

std::string PythonReplace(std::string_view s, std::string_view old, std::string_view replacement) {
  if (old.empty()) return std::string(s);  // never asked for; Python would interleave
  std::string out;
  size_t pos = 0;
  for (size_t hit; (hit = s.find(old, pos)) != std::string_view::npos; pos = hit + old.size()) {
    out.append(s.substr(pos, hit - pos));
    out.append(replacement);
  }
  out.append(s.substr(pos));
  return out;
}

std::string OutputObjectKey(std::string_view object_key, std::string_view suffix) {
  const std::string tag = "_" + std::string(suffix);
  std::string key =
      PythonReplace(PythonReplace(object_key, ".png", tag + ".png"), ".jpg", tag + ".jpg");
  if (!key.ends_with(".png") && !key.ends_with(".jpg") && !key.ends_with(".jpeg")) key += ".jpg";
  return key;
}

std::string MetadataObjectKey(std::string_view image_key) {
  return PythonReplace(PythonReplace(image_key, ".png", "_metadata.json"), ".jpg",
                       "_metadata.json");
}

TargetSize ResizeTarget(int ow, int oh, int target_width, int target_height, bool keep_aspect) {
  if (!keep_aspect || ow <= 0 || oh <= 0 || target_height <= 0) {
    return {target_width, target_height};
  }
  const double aspect_ratio = static_cast<double>(ow) / oh;
  if (static_cast<double>(target_width) / target_height > aspect_ratio) {
    return {static_cast<int>(target_height * aspect_ratio), target_height};
  }
  return {target_width, static_cast<int>(target_width / aspect_ratio)};
}

}  // namespace tessera::api::compat::imageflow
