#include "common/asset.h"

#include <gtest/gtest.h>

namespace edgeloop {
namespace {

// The CWRU data README gives these orders for the 6205 bearing: BPFI 5.4152, BPFO 3.5848,
// BSF 4.7135, FTF 0.39828 (from the manufacturer's tables, which round geometry differently,
// hence the tolerance of 0.2 %).
TEST(BearingOrdersTest, Matches6205ReferenceOrders) {
  const BearingOrders o = ComputeBearingOrders(Bearing6205());
  EXPECT_NEAR(o.bpfi, 5.4152, 5.4152 * 0.002);
  EXPECT_NEAR(o.bpfo, 3.5848, 3.5848 * 0.002);
  // CWRU's "BSF" is the defect rate of a ball, which strikes both races once per spin: 2 x BSF.
  EXPECT_NEAR(2 * o.bsf, 4.7135, 4.7135 * 0.002);
  EXPECT_NEAR(o.ftf, 0.39828, 0.39828 * 0.002);
  // Kinematic identity: BPFO + BPFI = number of rolling elements.
  EXPECT_NEAR(o.bpfo + o.bpfi, 9.0, 1e-12);
}

}  // namespace
}  // namespace edgeloop
