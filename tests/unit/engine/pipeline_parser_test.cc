// The pipeline language: both spellings parse to the same value, print back the same, and every
// malformed input is a kBadPipeline error naming the op, the parameter and what is allowed.
#include <gtest/gtest.h>

#include <set>

#include "engine/op_registry.h"
#include "engine/pipeline.h"

namespace tessera::engine {
namespace {

Pipeline MustParse(std::string_view text) {
  auto p = ParsePipeline(text);
  EXPECT_TRUE(p.has_value()) << text << ": " << (p ? "" : p.error().ToString());
  return p ? *p : Pipeline{};
}

Error MustFail(std::string_view text) {
  auto p = ParsePipeline(text);
  EXPECT_FALSE(p.has_value()) << text << " parsed as " << (p ? p->ToText() : "");
  if (p) return {};
  EXPECT_EQ(p.error().code, ErrorCode::kBadPipeline);
  return p.error();
}

TEST(PipelineParser, TextAndJsonSpellTheSameValue) {
  Pipeline text = MustParse("resize:w=800,fit=cover,h=600;blur:sigma=3;format:type=webp,q=80");
  Pipeline json =
      MustParse(R"([{"op":"resize","w":800,"h":600,"fit":"cover"},{"op":"blur","sigma":3},)"
                R"({"op":"format","type":"webp","q":80}])");
  EXPECT_EQ(text, json);
  EXPECT_EQ(text.ToText(), "resize:w=800,h=600,fit=cover;blur:sigma=3;format:type=webp,q=80");
  EXPECT_EQ(json.ToJson(),
            R"([{"op":"resize","w":800,"h":600,"fit":"cover"},{"op":"blur","sigma":3.0},)"
            R"({"op":"format","type":"webp","q":80}])");
}

TEST(PipelineParser, SlashSeparatesStepsLikeSemicolon) {
  EXPECT_EQ(MustParse("grayscale/invert"), MustParse("grayscale;invert"));
}

TEST(PipelineParser, EmptyPipelineIsValid) {
  EXPECT_TRUE(MustParse("").steps.empty());
  EXPECT_TRUE(MustParse("[]").steps.empty());
}

// A representative, fully spelled call of every op: text -> value -> JSON -> value -> text.
TEST(PipelineParser, EveryOpRoundTrips) {
  const char* samples[] = {
      "resize:w=800,h=600,fit=contain,kernel=cubic,enlarge=true,bg=ff000080",
      "thumbnail:w=256,h=128,crop=attention,enlarge=false",
      "crop:x=10,y=20,w=30,h=40",
      "crop:w=30,h=40,gravity=ne",
      "rotate:angle=-37.5,bg=white",
      "flip:dir=v",
      "blur:sigma=0.5",
      "blur:k=15",
      "sharpen:sigma=1.2,amount=2,threshold=3",
      "edges:mode=canny,sigma=2,low=20,high=80",
      "brightness:factor=1.25",
      "contrast:factor=0",
      "saturation:factor=2",
      "gamma:g=0.45",
      "grayscale",
      "invert",
      "detect:model=people,confidence=0.5,nms=0.3,max=10,classes=person|traffic_light,draw=true",
      "redact:model=face_alt,mode=blur,strength=4",
      "format:type=jpeg,q=90,progressive=true,subsample=444,optimize=true,strip=false,"
      "keep_icc=true",
  };
  size_t ops_seen = 0;
  for (const char* s : samples) {
    Pipeline p = MustParse(s);
    EXPECT_EQ(p.ToText(), s);
    auto again = ParsePipelineJson(p.ToJson());
    ASSERT_TRUE(again.has_value()) << p.ToJson() << ": " << again.error().ToString();
    EXPECT_EQ(*again, p) << s;
    EXPECT_EQ(again->ToText(), s);
    ++ops_seen;
  }
  // Keep the sample list honest when ops are added.
  std::set<std::string_view> covered;
  for (const char* s : samples) covered.insert(MustParse(s).steps[0].op->name);
  for (const OpSpec* op : AllOps()) EXPECT_TRUE(covered.count(op->name)) << op->name;
  EXPECT_GT(ops_seen, 0u);
}

TEST(PipelineParser, DefaultsAreFilledButNotPrinted) {
  Pipeline p = MustParse("sharpen");
  EXPECT_DOUBLE_EQ(p.steps[0].args.Float("sigma"), 1.0);
  EXPECT_FALSE(p.steps[0].args.Given("sigma"));
  EXPECT_EQ(p.ToText(), "sharpen");
}

TEST(PipelineParser, UnknownOpListsKnownOps) {
  Error e = MustFail("resize:w=10;blurr:sigma=2");
  EXPECT_EQ(e.field, "op");
  EXPECT_NE(e.message.find("step 2"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("'blurr'"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find(KnownOpNames()), std::string::npos) << e.message;
}

TEST(PipelineParser, UnknownParameterListsTheOpsParameters) {
  Error e = MustFail("blur:radius=3");
  EXPECT_EQ(e.field, "blur.radius");
  EXPECT_NE(e.message.find("sigma, k"), std::string::npos) << e.message;
  Error none = MustFail("invert:x=1");
  EXPECT_NE(none.message.find("takes no parameters"), std::string::npos) << none.message;
}

TEST(PipelineParser, OutOfRangeNamesValueAndRange) {
  Error e = MustFail("blur:sigma=0");
  EXPECT_EQ(e.field, "blur.sigma");
  EXPECT_NE(e.message.find("sigma=0"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("0.1 to 500"), std::string::npos) << e.message;
  EXPECT_EQ(MustFail("resize:w=0").field, "resize.w");
  EXPECT_EQ(MustFail("resize:w=70000").field, "resize.w");
  EXPECT_EQ(MustFail("format:q=101").field, "format.q");
}

TEST(PipelineParser, WrongTypesAreRejected) {
  EXPECT_EQ(MustFail("resize:w=abc").field, "resize.w");
  EXPECT_EQ(MustFail("resize:w=12.5").field, "resize.w");
  EXPECT_EQ(MustFail("resize:w=800,enlarge=maybe").field, "resize.enlarge");
  EXPECT_EQ(MustFail("blur:sigma=nan").field, "blur.sigma");
  EXPECT_EQ(MustFail("blur:sigma=inf").field, "blur.sigma");
  EXPECT_EQ(MustFail(R"([{"op":"resize","w":"800"}])").field, "resize.w");
  EXPECT_EQ(MustFail(R"([{"op":"resize","w":800,"enlarge":1}])").field, "resize.enlarge");
  EXPECT_EQ(MustFail(R"([{"op":"flip","dir":true}])").field, "flip.dir");
}

TEST(PipelineParser, JsonIntegersMayBeSpelledAsWholeFloats) {
  EXPECT_EQ(MustParse(R"([{"op":"resize","w":800.0}])"), MustParse("resize:w=800"));
}

TEST(PipelineParser, EnumErrorsListTheChoices) {
  Error e = MustFail("resize:w=10,fit=stretch");
  EXPECT_EQ(e.field, "resize.fit");
  EXPECT_NE(e.message.find("inside, contain, cover, fill, outside"), std::string::npos)
      << e.message;
}

TEST(PipelineParser, MissingRequiredParameter) {
  Error e = MustFail("thumbnail:h=100");
  EXPECT_EQ(e.field, "thumbnail.w");
  EXPECT_NE(e.message.find("required"), std::string::npos);
}

TEST(PipelineParser, CrossParameterRules) {
  EXPECT_EQ(MustFail("resize").field, "resize.w");
  EXPECT_EQ(MustFail("resize:w=10,fit=cover").field, "resize.fit");
  EXPECT_EQ(MustFail("blur:sigma=2,k=7").field, "blur.k");
  EXPECT_EQ(MustFail("blur:k=8").field, "blur.k");
  EXPECT_EQ(MustFail("edges:low=200,high=100").field, "edges.low");
  EXPECT_EQ(MustFail("crop:x=1,w=5,h=5,gravity=north").field, "crop.gravity");
}

TEST(PipelineParser, DuplicateParameter) {
  Error e = MustFail("blur:sigma=1,sigma=2");
  EXPECT_NE(e.message.find("given twice"), std::string::npos);
}

TEST(PipelineParser, FormatMustBeLast) {
  Error e = MustFail("format:type=png;blur");
  EXPECT_EQ(e.field, "format");
}

TEST(PipelineParser, MalformedSyntax) {
  MustFail("blur:sigma");
  MustFail("blur:=3");
  MustFail("blur:sigma=1,,");
  MustFail(";;blur");
  MustFail("[{\"op\":\"blur\"");
  MustFail("{\"op\":\"blur\"}");
  MustFail("[1,2]");
  MustFail("[{\"sigma\":2}]");
}

TEST(PipelineParser, TrailingSeparatorAndSpacesAreTolerated) {
  EXPECT_EQ(MustParse(" blur : sigma = 2 ; invert ; "), MustParse("blur:sigma=2;invert"));
}

}  // namespace
}  // namespace tessera::engine
