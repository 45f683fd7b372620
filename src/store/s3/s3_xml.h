// The few fields tessera reads from S3's XML answers (error Code/Message, UploadId, listed
// Keys, continuation tokens).
//
// Written here rather than taken from an XML library: every field read is a leaf element whose
// name is unique in its document, so a full parser (libxml2, tinyxml2) would add a dependency
// for a substring search. Text is returned with the five predefined entities and numeric
// character references decoded.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tessera::store {

// The text of the first <tag>...</tag> in `xml`; empty if there is none.
std::string XmlText(std::string_view xml, std::string_view tag);

// The texts of every <tag>...</tag> in `xml`, in document order.
std::vector<std::string> XmlTexts(std::string_view xml, std::string_view tag);

// `text` with & < > " ' escaped, for building request bodies.
std::string XmlEscape(std::string_view text);

}  // namespace tessera::store
