// Raster memory (engine/raster.h): large buffers released by one image are handed to the next,
// within the cache limit, and trimming gives them all back.
#include <gtest/gtest.h>

#include <cstring>

#include "engine/raster.h"

namespace tessera::engine {
namespace {

constexpr size_t kBig = size_t{4} << 20;

class RasterCacheTest : public ::testing::Test {
 protected:
  void SetUp() override { TrimRasterCache(); }
  void TearDown() override {
    SetRasterCacheLimit(size_t{256} << 20);
    TrimRasterCache();
  }
};

TEST_F(RasterCacheTest, ReleasedBufferIsReusedForTheSameSize) {
  uint8_t* a = AcquireRasterMemory(kBig);
  std::memset(a, 7, kBig);
  ReleaseRasterMemory(a);
  uint8_t* b = AcquireRasterMemory(kBig);
  EXPECT_EQ(a, b);
  ReleaseRasterMemory(b);
  EXPECT_EQ(TrimRasterCache(), kBig);
  EXPECT_EQ(TrimRasterCache(), 0u);
}

TEST_F(RasterCacheTest, SmallerRequestReusesUpToTwiceItsSize) {
  uint8_t* a = AcquireRasterMemory(kBig);
  ReleaseRasterMemory(a);
  uint8_t* quarter = AcquireRasterMemory(kBig / 4);  // would pin 4x its size: not reused
  EXPECT_NE(quarter, a);
  uint8_t* most = AcquireRasterMemory(kBig * 3 / 4);
  EXPECT_EQ(most, a);
  ReleaseRasterMemory(quarter);
  ReleaseRasterMemory(most);
}

TEST_F(RasterCacheTest, LimitBoundsIdleMemoryAndZeroDisablesIt) {
  SetRasterCacheLimit(kBig);
  uint8_t* a = AcquireRasterMemory(kBig);
  uint8_t* b = AcquireRasterMemory(kBig);
  ReleaseRasterMemory(a);
  ReleaseRasterMemory(b);  // over the limit: the oldest (a) is freed
  EXPECT_EQ(TrimRasterCache(), kBig);
  SetRasterCacheLimit(0);
  ReleaseRasterMemory(AcquireRasterMemory(kBig));
  EXPECT_EQ(TrimRasterCache(), 0u);
}

TEST_F(RasterCacheTest, SmallBuffersAndForeignMemoryAreFreed) {
  ReleaseRasterMemory(AcquireRasterMemory(100));
  ReleaseRasterMemory(static_cast<uint8_t*>(std::malloc(kBig)));  // not from the cache
  ReleaseRasterMemory(nullptr);
  EXPECT_EQ(TrimRasterCache(), 0u);
}

TEST_F(RasterCacheTest, RasterAllocateIsZeroedEvenFromAReusedBuffer) {
  {
    Raster r = Raster::AllocateUninitialized(1024, 1024, 4, 8, true);
    std::memset(r.data.get(), 0xAB, r.size_bytes());
  }
  Raster z = Raster::Allocate(1024, 1024, 4, 8, true);
  for (size_t i = 0; i < z.size_bytes(); i += 4099) ASSERT_EQ(z.data.get()[i], 0) << i;
}

}  // namespace
}  // namespace tessera::engine
