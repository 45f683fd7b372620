#include "support/multipart_form.h"

#include <gtest/gtest.h>

namespace tessera::testing {

std::string MultipartBody(const std::vector<FormPart>& parts) {
  const std::string boundary = kFormBoundary;
  std::string body;
  for (const auto& p : parts) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + p.name + "\"";
    if (!p.filename.empty()) body += "; filename=\"" + p.filename + "\"";
    body += "\r\n";
    if (!p.content_type.empty()) body += "Content-Type: " + p.content_type + "\r\n";
    body += "\r\n" + p.data + "\r\n";
  }
  body += "--" + boundary + "--\r\n";
  return body;
}

api::http::ClientResponse PostMultipart(api::http::HttpClient& client, const std::string& target,
                                        const std::vector<FormPart>& parts) {
  const std::string body = MultipartBody(parts);
  auto r = client.Send(
      {.method = "POST",
       .target = target,
       .headers = {{"Content-Type", std::string("multipart/form-data; boundary=") + kFormBoundary}},
       .body = {reinterpret_cast<const uint8_t*>(body.data()), body.size()}});
  EXPECT_TRUE(r.has_value()) << r.error().ToString();
  return r ? *r : api::http::ClientResponse{};
}

}  // namespace tessera::testing
