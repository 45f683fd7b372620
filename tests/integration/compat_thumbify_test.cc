// Thumbify's clients against a real `tessera serve --compat thumbify`: every case of Thumbify's
// own test file (src/test_main.py) and every route of its README and routers, replayed over
// loopback with its clients' request shapes, asserting statuses, exact bodies, field names and
// types, and the thumbnails' names, sizes and pixels.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "api/http/client.h"
#include "support/image_testing.h"
#include "support/multipart_form.h"
#include "support/serve_process.h"
#include "support/temp_dir.h"

namespace tessera::testing {
namespace {

using api::http::ClientResponse;
using nlohmann::json;
using std::chrono::seconds;

std::string AsString(std::span<const uint8_t> b) { return {b.begin(), b.end()}; }
std::string Jpeg(int w, int h) { return AsString(EncodeWithOpenCv(MakeTestPattern(w, h), ".jpg")); }
std::string Png(int w, int h) { return AsString(EncodeWithOpenCv(MakeTestPattern(w, h), ".png")); }
json Body(const ClientResponse& r) { return json::parse(r.text(), nullptr, false); }

// A 1x1 RGBA PNG signature and IHDR followed directly by IEND: a header with no pixel data
// (test_upload_image's file).
std::string HeaderOnlyPng() {
  const unsigned char bytes[] = {
      0x89, 'P',  'N',  'G',  '\r', '\n', 0x1a, '\n', 0x00, 0x00, 0x00, 0x0d, 'I',  'H',  'D',
      'R',  0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f,
      0xf3, 0xff, 0x61, 0x00, 0x00, 0x00, 0x00, 'I',  'E',  'N',  'D',  0xae, 0x42, 0x60, 0x82};
  return std::string(reinterpret_cast<const char*>(bytes), sizeof(bytes));
}

class ThumbifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    serve_ = ServeProcess::Start(dir_.path(), {"--compat", "thumbify", "--workers", "1"});
    ASSERT_NE(serve_, nullptr);
    client_ = serve_->Client();
  }
  ClientResponse Get(const std::string& target) {
    auto r = client_->Get(target);
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    return r ? *r : ClientResponse{};
  }
  ClientResponse Upload(const std::string& filename, const std::string& data,
                        const std::string& type = "image/png",
                        const std::string& target = "/upload") {
    return PostMultipart(*client_, target, {{"file", filename, type, data}});
  }
  // Polls the job until it leaves pending/processing; returns every status seen.
  std::set<std::string> WaitFinished(const std::string& id) {
    std::set<std::string> seen;
    EXPECT_TRUE(WaitFor(
        [&] {
          json s = Body(Get("/job/status/" + id));
          std::string status = s["status"].is_string() ? s["status"].get<std::string>() : "null";
          seen.insert(status);
          return status == "succeeded" || status == "failed";
        },
        seconds(30)));
    return seen;
  }

  TempDir dir_;
  std::unique_ptr<ServeProcess> serve_;
  std::unique_ptr<api::http::HttpClient> client_;
};

// test_main.py: test_ping.
TEST_F(ThumbifyTest, PingAnswersApiRunning) {
  auto r = Get("/health");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.text(), R"("API Running")");
}

// test_main.py: test_text_upload (a part not named `file`).
TEST_F(ThumbifyTest, TextUploadWithoutFilePartIs422) {
  auto r =
      PostMultipart(*client_, "/upload",
                    {{"uploaded_file", "sample.txt", "text/plain", "This is a sample text file"}});
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(
      r.text(),
      R"({"detail":[{"type":"missing","loc":["body","file"],"msg":"Field required","input":null}]})");
}

// test_main.py: test_upload_image, and what Thumbify then did with that file: accepted and
// queued, failed by the worker (no pixel data), kept under its name.
TEST_F(ThumbifyTest, HeaderOnlyPngIsAcceptedQueuedAndFails) {
  const std::string png = HeaderOnlyPng();
  ASSERT_EQ(png.size(), 45u);
  auto r = Upload("sample.png", png);
  ASSERT_EQ(r.status, 200u) << r.text();
  json j = Body(r);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j["message"], "File uploaded successfully");
  ASSERT_TRUE(j["job_id"].is_string());
  const std::string id = j["job_id"];

  for (const auto& s : WaitFinished(id)) {
    EXPECT_TRUE(s == "pending" || s == "processing" || s == "failed") << s;
  }
  EXPECT_EQ(Body(Get("/job/status/" + id)), json({{"job_id", id}, {"status", "failed"}}));
  auto all = Body(Get("/job/all"));
  EXPECT_EQ(all, json::array({{{"job_id", id}, {"filename", "sample.png"}}}));
  auto stored = Get("/thumb/sample.png");
  EXPECT_EQ(stored.status, 200u);
  EXPECT_EQ(stored.header("content-type"), "image/png");
  EXPECT_EQ(stored.text(), png);
  auto thumb = Get("/thumb/thumb_sample.png");
  EXPECT_EQ(thumb.status, 404u);
  EXPECT_EQ(thumb.text(), R"({"error":"File not found"})");
}

// Not an image at all, but named like one: Thumbify queued it too and its worker failed it.
TEST_F(ThumbifyTest, NonImageWithImageNameFailsInProcessing) {
  auto r = Upload("notes.png", "this is not an image", "text/plain");
  ASSERT_EQ(r.status, 200u) << r.text();
  const std::string id = Body(r)["job_id"];
  WaitFinished(id);
  EXPECT_EQ(Body(Get("/job/status/" + id))["status"], "failed");
}

// README usage: upload, poll the job, fetch thumb_<file name>: a 100x100 stretch in the format
// the name says, as Thumbify's worker wrote it.
TEST_F(ThumbifyTest, ThumbnailIs100x100InTheNamesFormat) {
  const std::string png = Png(640, 400);
  const std::string jpeg = Jpeg(300, 500);
  std::string png_id = Body(Upload("wide.png", png))["job_id"];
  std::string jpeg_id = Body(Upload("tall.JPG", jpeg, "image/jpeg", "/upload/"))["job_id"];
  for (const std::string& id : {png_id, jpeg_id}) {
    for (const auto& s : WaitFinished(id)) {
      EXPECT_TRUE(s == "pending" || s == "processing" || s == "succeeded") << s;
    }
  }
  auto thumb = Get("/thumb/thumb_wide.png");
  ASSERT_EQ(thumb.status, 200u) << thumb.text();
  EXPECT_EQ(thumb.header("content-type"), "image/png");
  EXPECT_EQ(
      thumb.body,
      EngineOutput(std::vector<uint8_t>(png.begin(), png.end()),
                   "resize:w=100,h=100,fit=fill,kernel=nearest,enlarge=true;format:type=png"));
  cv::Mat decoded = DecodeWithOpenCv(thumb.body);
  ASSERT_EQ(decoded.cols, 100);
  ASSERT_EQ(decoded.rows, 100);

  auto jthumb = Get("/thumb/thumb_tall.JPG");
  ASSERT_EQ(jthumb.status, 200u);
  EXPECT_EQ(jthumb.header("content-type"), "image/jpeg");
  cv::Mat jdecoded = DecodeWithOpenCv(jthumb.body);
  EXPECT_EQ(jdecoded.cols, 100);
  EXPECT_EQ(jdecoded.rows, 100);

  // The upload itself is served under its own name.
  auto original = Get("/thumb/wide.png");
  ASSERT_EQ(original.status, 200u);
  EXPECT_EQ(original.text(), png);
  // A GIF stays a GIF.
  auto gif = EngineOutput(std::vector<uint8_t>(png.begin(), png.end()), "format:type=gif");
  std::string gif_id = Body(Upload("anim.gif", AsString(gif), "image/gif"))["job_id"];
  WaitFinished(gif_id);
  auto gthumb = Get("/thumb/thumb_anim.gif");
  ASSERT_EQ(gthumb.status, 200u);
  EXPECT_EQ(gthumb.header("content-type"), "image/gif");
  EXPECT_EQ(gthumb.text().substr(0, 4), "GIF8");
}

TEST_F(ThumbifyTest, JobListIsAnArrayOfIdAndFileNameInUploadOrder) {
  EXPECT_EQ(Body(Get("/job/all")), json::array());
  std::vector<std::string> ids;
  for (const char* name : {"a.png", "b.png", "a.png"}) {
    ids.push_back(Body(Upload(name, Png(20, 20)))["job_id"]);
  }
  auto all = Get("/job/all");
  EXPECT_EQ(all.status, 200u);
  EXPECT_EQ(Body(all), json::array({{{"job_id", ids[0]}, {"filename", "a.png"}},
                                    {{"job_id", ids[1]}, {"filename", "b.png"}},
                                    {{"job_id", ids[2]}, {"filename", "a.png"}}}));
}

// Thumbify read a missing Redis hash field: 200 with status null, for any id.
TEST_F(ThumbifyTest, UnknownJobIsStatusNull) {
  for (std::string id :
       {"no-such-job", "01J000000000000000000000ZZ", "3fa85f64-5717-4562-b3fc-2c963f66afa6"}) {
    auto r = Get("/job/status/" + id);
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.text(), R"({"job_id":")" + id + R"(","status":null})");
  }
}

TEST_F(ThumbifyTest, ExtensionIsCheckedAndMissingFilesAre404) {
  auto r = Upload("notes.txt", Jpeg(8, 8), "image/jpeg");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.text(), R"({"detail":"Invalid file extension"})");
  r = Get("/thumb/thumb_never.jpg");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.text(), R"({"error":"File not found"})");
  r = Get("/thumb/never.jpg");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.text(), R"({"error":"File not found"})");
}

// Thumbify wrote IMAGEDIR / file.filename: "../../escape/x.png" left its directory. Here the
// name is a key: nothing is written outside the data directory, the listing shows the name as
// sent and the files are served under the base name.
TEST_F(ThumbifyTest, FileNamesNeverBecomePaths) {
  const std::string png = Png(50, 50);
  auto r = Upload("../../escape/x.png", png);
  ASSERT_EQ(r.status, 200u);
  const std::string id = Body(r)["job_id"];
  WaitFinished(id);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "escape"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path().parent_path() / "escape"));
  EXPECT_EQ(Body(Get("/job/all"))[0]["filename"], "../../escape/x.png");
  EXPECT_EQ(Get("/thumb/thumb_x.png").status, 200u);
  EXPECT_EQ(Get("/thumb/x.png").text(), png);
}

TEST_F(ThumbifyTest, HealthRoutesAndDocsWithoutCdn) {
  auto details = Get("/health/details");
  EXPECT_EQ(details.status, 500u);
  json d = Body(details);
  EXPECT_TRUE(d["hostname"].is_string());
  EXPECT_TRUE(d["host_ip"].is_string());
  EXPECT_EQ(d.size(), 2u);
  auto report = Get("/health/send_report");
  EXPECT_EQ(report.status, 200u);
  EXPECT_EQ(report.text(), R"("Errors logs sended.")");
  auto redoc = Get("/redoc");
  EXPECT_EQ(redoc.status, 200u);
  auto docs = Get("/docs");
  EXPECT_EQ(docs.status, 200u);
  EXPECT_EQ(redoc.text(), docs.text());
  EXPECT_EQ(docs.header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(docs.text().find("/openapi.json"), std::string::npos);
  EXPECT_EQ(docs.text().find("http://"), std::string::npos);
  EXPECT_EQ(docs.text().find("https://"), std::string::npos);
  EXPECT_EQ(docs.text().find("//cdn"), std::string::npos);
  auto doc = Body(Get("/openapi.json"));
  for (const char* path :
       {"/upload", "/upload/", "/job/status/{id}", "/job/all", "/thumb/{filename}", "/health",
        "/health/details", "/health/send_report", "/docs", "/redoc"}) {
    EXPECT_TRUE(doc["paths"].contains(path)) << path;
  }
}

// POST /upload is shared with tutti: the part name decides.
TEST(ThumbifyAndTuttiTest, UploadIsSharedByPartName) {
  TempDir dir;
  auto serve = ServeProcess::Start(dir.path(), {"--compat", "thumbify,tutti", "--workers", "0"});
  ASSERT_NE(serve, nullptr);
  auto c = serve->Client();
  const std::string photo = Jpeg(64, 64);
  auto thumbify = PostMultipart(*c, "/upload", {{"file", "a.jpg", "image/jpeg", photo}});
  EXPECT_EQ(thumbify.status, 200u);
  EXPECT_EQ(Body(thumbify)["message"], "File uploaded successfully");
  auto tutti = PostMultipart(*c, "/upload", {{"image", "a.jpg", "image/jpeg", photo}});
  EXPECT_EQ(tutti.status, 200u);
  EXPECT_TRUE(Body(tutti)["image_id"].is_string());
  auto neither = PostMultipart(*c, "/upload", {{"photo", "a.jpg", "image/jpeg", photo}});
  EXPECT_EQ(neither.status, 422u);
  auto health = c->Get("/health");
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(health->text(), R"("API Running")");
}

}  // namespace
}  // namespace tessera::testing
