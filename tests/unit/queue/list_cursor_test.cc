// The one job-list cursor format: what it encodes to, that old Redis cursors still decode, and
// that anything else is refused with a typed error.
#include "queue/list_cursor.h"

#include <gtest/gtest.h>

namespace tessera::queue {
namespace {

TEST(ListCursor, IsTheVersionedHexOfTheLastId) {
  EXPECT_EQ(EncodeListCursor("01M8"), "j1:30314d38");
  EXPECT_EQ(EncodeListCursor(""), "");
  Result<std::string> id = DecodeListCursor("j1:30314d38");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(*id, "01M8");
}

TEST(ListCursor, EmptyIsTheFirstPage) {
  Result<std::string> id = DecodeListCursor("");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(*id, "");
}

TEST(ListCursor, ReadsTheOldRedisFormat) {
  // RedisJobStore's cursors used to be the bare hex of the id.
  Result<std::string> id = DecodeListCursor("30314d38");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(*id, "01M8");
}

TEST(ListCursor, RoundTripsAnyBytes) {
  const std::string id("a\0\xff:j1", 6);
  Result<std::string> back = DecodeListCursor(EncodeListCursor(id));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, id);
}

TEST(ListCursor, RefusesWhatNoEncoderMade) {
  for (const char* cursor : {"j1:", "j1:3", "j1:3G", "j1:4D", "j2:30", "303", "not a cursor", "%%%",
                             "J1:30", " j1:30"}) {
    Result<std::string> id = DecodeListCursor(cursor);
    ASSERT_FALSE(id.has_value()) << cursor;
    EXPECT_EQ(id.error().code, ErrorCode::kBadRequest) << cursor;
    EXPECT_EQ(id.error().field, "cursor") << cursor;
  }
}

}  // namespace
}  // namespace tessera::queue
