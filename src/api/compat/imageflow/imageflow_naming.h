// How ImageFlowCanvas names and sizes its outputs, reproduced exactly: the object key each
// service writes beside its input (the key the next step of a resize -> detect -> filter chain
// reads) and the resize service's target size with Python's float arithmetic and int()
// truncation.
#pragma once

#include <string>
#include <string_view>

namespace tessera::api::compat::imageflow {

// Python's str.replace(old, new): every non-overlapping occurrence, left to right.
std::string PythonReplace(std::string_view s, std::string_view old, std::string_view replacement);

// object_key.replace('.png', '_<suffix>.png').replace('.jpg', '_<suffix>.jpg'), then ".jpg"
// appended unless it ends in .png, .jpg or .jpeg: "cats/a.jpg" -> "cats/a_resized.jpg".
std::string OutputObjectKey(std::string_view object_key, std::string_view suffix);

// The detection service's metadata object beside its image: the image key with '.png' and
// '.jpg' replaced by "_metadata.json".
std::string MetadataObjectKey(std::string_view image_key);

struct TargetSize {
  int width = 0;
  int height = 0;
};

// The resize service's output size for an ow x oh image and a target box: with
// maintain_aspect_ratio, the box's limiting side and int() of the other (so 4000x2500 into
// 300x200 is 300x187, not 300x188); otherwise the box itself. Either side may come out 0 for a
// very thin image (the original then fails in cv2.resize).
TargetSize ResizeTarget(int ow, int oh, int target_width, int target_height, bool keep_aspect);

}  // namespace tessera::api::compat::imageflow
