#include "hub/server/push_queue.h"

#include <gtest/gtest.h>

namespace srfleet::hub {
namespace {

TEST(PushQueueTest, LatestRevisionWinsAndOrderIsFirstPending) {
  PushQueue q;
  EXPECT_FALSE(q.Push(PrepareUpsert("a", 1, "c", "ns", "a", "{}")));
  EXPECT_FALSE(q.Push(PrepareUpsert("b", 2, "c", "ns", "b", "{}")));
  EXPECT_TRUE(q.Push(PrepareUpsert("a", 3, "c", "ns", "a", "{}")));
  EXPECT_TRUE(q.Push(PrepareDelete("b", 4)));
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.coalesced(), 2u);
  auto first = q.Pop();
  ASSERT_TRUE(first);
  EXPECT_EQ((*first)->intent_id, "a");
  EXPECT_EQ((*first)->revision, 3);
  auto second = q.Pop();
  ASSERT_TRUE(second);
  EXPECT_EQ((*second)->kind, PreparedPush::Kind::kDelete);
  EXPECT_FALSE(q.Pop());
  // After a pop, the same intent queues again at the back.
  q.Push(PrepareUpsert("c", 5, "c", "ns", "c", "{}"));
  q.Push(PrepareUpsert("a", 6, "c", "ns", "a", "{}"));
  EXPECT_EQ((*q.Pop())->intent_id, "c");
  EXPECT_EQ((*q.Pop())->intent_id, "a");
}

TEST(PushQueueTest, PreparedUpsertIsSharedNotCopied) {
  PushPtr p = PrepareUpsert("a", 1, "c", "ns", "a", std::string(10000, 'x'));
  EXPECT_GT(p->size, 10000u);
  EXPECT_EQ(p->nonce, "u1");
  PushQueue q1, q2;
  q1.Push(p);
  q2.Push(p);
  EXPECT_EQ((*q1.Pop()).get(), (*q2.Pop()).get());
}

}  // namespace
}  // namespace srfleet::hub
