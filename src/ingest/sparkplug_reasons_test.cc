// Every SparkplugReason, reached through SparkplugHost::Handle with encoded payloads.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <set>
#include <span>
#include <string>

#include "ingest/sparkplug.h"
#include "ingest/sparkplug_b.pb.h"

namespace edgeloop::ingest {
namespace {

using Metric = spb::Payload::Metric;
using R = SparkplugReason;

const Timestamp kReceived = FromNanos(1'700'000'000'000'000'000);

spb::Payload Birth(uint64_t seq) {
  spb::Payload p;
  p.set_seq(seq);
  Metric* bd = p.add_metrics();
  bd->set_name("bdSeq");
  bd->set_datatype(spb::Int64);
  bd->set_long_value(3);
  Metric* temp = p.add_metrics();
  temp->set_name("Temperature");
  temp->set_alias(1);
  temp->set_datatype(spb::Float);
  temp->set_float_value(20.0f);
  return p;
}

spb::Payload Data(uint64_t seq) {
  spb::Payload p;
  p.set_seq(seq);
  return p;
}

struct Case {
  const char* name;
  R want;
  bool rebirth;
  // Messages sent first on a fresh host; their outcome is not checked.
  std::function<void(SparkplugHost&)> setup;
  std::string topic;
  std::function<std::string()> payload;
  SparkplugLimits limits = {};
};

void SendBirth(SparkplugHost& host) {
  const auto bytes = Birth(0).SerializeAsString();
  auto d = host.Handle("spBv1.0/g/NBIRTH/n",
                       {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, kReceived);
  ASSERT_EQ(d.reason, R::kOk) << d.detail;
}
void Nothing(SparkplugHost&) {}

std::string WithMetric(spb::Payload p, const std::function<void(Metric&)>& edit) {
  edit(*p.add_metrics());
  return p.SerializeAsString();
}

TEST(SparkplugReasonTest, EveryReasonIsReachedAndCounted) {
  const std::vector<Case> cases = {
      {"bad topic", R::kBadTopic, false, Nothing, "spBv1.0/g/NOPE/n",
       [] { return Birth(0).SerializeAsString(); }},
      {"oversized", R::kOversized, false, Nothing, "spBv1.0/g/NBIRTH/n",
       [] { return Birth(0).SerializeAsString(); }, SparkplugLimits{.max_payload_bytes = 8}},
      {"truncated protobuf", R::kBadProtobuf, false, Nothing, "spBv1.0/g/NBIRTH/n",
       [] { return std::string("\x12\x20\x0a\x05", 4); }},
      {"too many nodes", R::kTooManyNodes, false, SendBirth, "spBv1.0/g/NBIRTH/other",
       [] { return Birth(0).SerializeAsString(); }, SparkplugLimits{.max_nodes = 1}},
      {"birth without seq", R::kMissingSeq, false, Nothing, "spBv1.0/g/NBIRTH/n",
       [] {
         auto p = Birth(0);
         p.clear_seq();
         return p.SerializeAsString();
       }},
      {"data with seq 256", R::kMissingSeq, true, SendBirth, "spBv1.0/g/NDATA/n",
       [] { return Data(256).SerializeAsString(); }},
      {"birth without bdSeq", R::kMissingBdSeq, false, Nothing, "spBv1.0/g/NBIRTH/n",
       [] {
         auto p = Birth(0);
         p.mutable_metrics(0)->set_name("other");
         return p.SerializeAsString();
       }},
      {"birth metric without name", R::kBadBirth, false, Nothing, "spBv1.0/g/NBIRTH/n",
       [] { return WithMetric(Birth(0), [](Metric& m) { m.set_datatype(spb::Float); }); }},
      {"birth metric with datatype 99", R::kBadBirth, false, Nothing, "spBv1.0/g/NBIRTH/n",
       [] {
         return WithMetric(Birth(0), [](Metric& m) {
           m.set_name("x");
           m.set_datatype(99);
         });
       }},
      {"birth metric name not UTF-8", R::kBadBirth, false, Nothing, "spBv1.0/g/NBIRTH/n",
       [] {
         return WithMetric(Birth(0), [](Metric& m) {
           m.set_name("bad\xC3(");
           m.set_datatype(spb::Float);
         });
       }},
      {"topic not UTF-8", R::kBadTopic, false, Nothing, "spBv1.0/g/NBIRTH/\xED\xA0\x80",
       [] { return Birth(0).SerializeAsString(); }},
      {"birth alias used twice", R::kBadBirth, false, Nothing, "spBv1.0/g/NBIRTH/n",
       [] {
         return WithMetric(Birth(0), [](Metric& m) {
           m.set_name("x");
           m.set_alias(1);
           m.set_datatype(spb::Float);
           m.set_float_value(1);
         });
       }},
      {"birth name used twice", R::kBadBirth, false, Nothing, "spBv1.0/g/NBIRTH/n",
       [] {
         return WithMetric(Birth(0), [](Metric& m) {
           m.set_name("Temperature");
           m.set_datatype(spb::Float);
           m.set_float_value(1);
         });
       }},
      {"data before birth", R::kNotBorn, true, Nothing, "spBv1.0/g/NDATA/n",
       [] { return Data(0).SerializeAsString(); }},
      {"device data before device birth", R::kNotBorn, true, SendBirth, "spBv1.0/g/DDATA/n/d",
       [] { return Data(1).SerializeAsString(); }},
      {"seq gap", R::kSeqGap, true, SendBirth, "spBv1.0/g/NDATA/n",
       [] { return Data(2).SerializeAsString(); }},
      {"stale death", R::kBdSeqMismatch, false, SendBirth, "spBv1.0/g/NDEATH/n",
       [] {
         return WithMetric(spb::Payload(), [](Metric& m) {
           m.set_name("bdSeq");
           m.set_long_value(2);
         });
       }},
      {"unknown alias", R::kUnknownAlias, true, SendBirth, "spBv1.0/g/NDATA/n",
       [] {
         return WithMetric(Data(1), [](Metric& m) {
           m.set_alias(42);
           m.set_float_value(1);
         });
       }},
      {"unknown name", R::kUnknownMetric, true, SendBirth, "spBv1.0/g/NDATA/n",
       [] {
         return WithMetric(Data(1), [](Metric& m) {
           m.set_name("Pressure");
           m.set_float_value(1);
         });
       }},
      {"datatype differs from birth", R::kWrongDatatype, false, SendBirth, "spBv1.0/g/NDATA/n",
       [] {
         return WithMetric(Data(1), [](Metric& m) {
           m.set_alias(1);
           m.set_datatype(spb::Double);
           m.set_double_value(1);
         });
       }},
      {"value in the wrong field", R::kWrongDatatype, false, SendBirth, "spBv1.0/g/NDATA/n",
       [] {
         return WithMetric(Data(1), [](Metric& m) {
           m.set_alias(1);
           m.set_string_value("1.5");
         });
       }},
      {"timestamp beyond int64 ns", R::kBadTimestamp, false, SendBirth, "spBv1.0/g/NDATA/n",
       [] {
         return WithMetric(Data(1), [](Metric& m) {
           m.set_alias(1);
           m.set_float_value(1);
           m.set_timestamp(UINT64_MAX);
         });
       }},
  };
  std::set<R> reached;
  for (const auto& c : cases) {
    SparkplugHost host(c.limits);
    c.setup(host);
    const std::string bytes = c.payload();
    const auto before = host.count(c.want);
    auto d = host.Handle(c.topic, {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()},
                         kReceived);
    EXPECT_EQ(d.reason, c.want) << c.name << ": got " << SparkplugReasonName(d.reason) << " ("
                                << d.detail << ")";
    EXPECT_EQ(d.rebirth_needed, c.rebirth) << c.name;
    EXPECT_TRUE(d.samples.empty()) << c.name;
    EXPECT_FALSE(d.detail.empty()) << c.name;
    EXPECT_EQ(host.count(c.want), before + 1) << c.name;
    reached.insert(d.reason);
  }
  // kOk is covered by sparkplug_test.cc; every refusal reason has a case here.
  EXPECT_EQ(reached.size(), kSparkplugReasonCount - 1);
  std::set<std::string_view> names;
  for (size_t i = 0; i < kSparkplugReasonCount; ++i) {
    names.insert(SparkplugReasonName(static_cast<R>(i)));
  }
  EXPECT_EQ(names.size(), kSparkplugReasonCount);
}

TEST(SparkplugUtf8Test, AcceptsTextAndRefusesMalformedSequences) {
  using sparkplug_internal::IsValidUtf8;
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(
      IsValidUtf8("Temperatur \xC2\xB0"
                  "C \xE2\x82\xAC \xF0\x9F\x98\x80"));
  for (const char* bad : {"\x80", "\xC3", "\xC3(", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80",
                          "\xF4\x90\x80\x80", "\xF8\x88\x80\x80\x80", "\xFF"}) {
    EXPECT_FALSE(IsValidUtf8(bad)) << bad;
  }
}

}  // namespace
}  // namespace edgeloop::ingest
