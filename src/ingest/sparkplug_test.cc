#include "ingest/sparkplug.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <string>

#include "ingest/sparkplug_b.pb.h"

namespace edgeloop::ingest {
namespace {

using Metric = spb::Payload::Metric;

const Timestamp kReceived = FromNanos(1'700'000'000'000'000'000);
constexpr uint64_t kPayloadMs = 1'700'000'001'000;

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Metric* AddMetric(spb::Payload& p, const std::string& name, uint32_t datatype) {
  Metric* m = p.add_metrics();
  if (!name.empty()) m->set_name(name);
  m->set_datatype(datatype);
  return m;
}

spb::Payload NodeBirth(uint64_t seq, uint64_t bd_seq) {
  spb::Payload p;
  p.set_timestamp(kPayloadMs);
  p.set_seq(seq);
  AddMetric(p, "bdSeq", spb::Int64)->set_long_value(bd_seq);
  AddMetric(p, "Node Control/Rebirth", spb::Boolean)->set_boolean_value(false);
  Metric* temp = AddMetric(p, "Temperature", spb::Float);
  temp->set_alias(1);
  temp->set_float_value(40.5f);
  Metric* count = AddMetric(p, "Count", spb::Int16);
  count->set_alias(2);
  count->set_int_value(static_cast<uint32_t>(-3));  // sign-extended two's complement
  Metric* label = AddMetric(p, "Label", spb::String);
  label->set_alias(3);
  label->set_string_value("pump");
  return p;
}

spb::Payload DeviceBirth(uint64_t seq) {
  spb::Payload p;
  p.set_timestamp(kPayloadMs);
  p.set_seq(seq);
  Metric* vib = AddMetric(p, "Vibration", spb::Double);
  vib->set_alias(10);
  vib->set_double_value(0.25);
  Metric* running = AddMetric(p, "Running", spb::Boolean);
  running->set_alias(11);
  running->set_boolean_value(true);
  return p;
}

spb::Payload Death(uint64_t bd_seq) {
  spb::Payload p;
  AddMetric(p, "bdSeq", spb::Int64)->set_long_value(bd_seq);
  return p;
}

// NDATA/DDATA with one metric given by alias.
spb::Payload AliasData(uint64_t seq, uint64_t alias) {
  spb::Payload p;
  p.set_timestamp(kPayloadMs + 1000);
  p.set_seq(seq);
  p.add_metrics()->set_alias(alias);
  return p;
}

class SparkplugHostTest : public ::testing::Test {
 protected:
  SparkplugDecision Send(const std::string& topic, const spb::Payload& p) {
    const std::string bytes = p.SerializeAsString();
    return host_.Handle(topic, Bytes(bytes), kReceived);
  }
  void Born() {
    ASSERT_EQ(Send("spBv1.0/plant/NBIRTH/gw1", NodeBirth(0, 7)).reason, SparkplugReason::kOk);
  }

  SparkplugHost host_;
};

TEST(SparkplugTopicTest, ParsesNodeDeviceAndStateTopics) {
  auto node = ParseSparkplugTopic("spBv1.0/plant/NDATA/gw1");
  ASSERT_TRUE(node.ok()) << node.status().ToString();
  EXPECT_EQ(node->type, SparkplugMessageType::kNData);
  EXPECT_EQ(node->group, "plant");
  EXPECT_EQ(node->edge_node, "gw1");
  EXPECT_EQ(node->device, "");
  auto device = ParseSparkplugTopic("spBv1.0/plant/DBIRTH/gw1/pump-101");
  ASSERT_TRUE(device.ok());
  EXPECT_EQ(device->type, SparkplugMessageType::kDBirth);
  EXPECT_EQ(device->device, "pump-101");
  auto state = ParseSparkplugTopic("spBv1.0/STATE/scada");
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->type, SparkplugMessageType::kState);
  EXPECT_EQ(state->edge_node, "scada");
}

TEST(SparkplugTopicTest, RefusesMalformedTopics) {
  for (const char* topic :
       {"", "spBv1.0", "spBv1.0/plant", "spAv1.0/plant/NDATA/gw1", "spBv1.0/plant/NDATA",
        "spBv1.0/plant/NDATA/gw1/dev", "spBv1.0/plant/DDATA/gw1", "spBv1.0/plant/DDATA/gw1/a/b",
        "spBv1.0/plant/XDATA/gw1", "spBv1.0//NDATA/gw1", "spBv1.0/plant/NDATA/+",
        "spBv1.0/plant/NDATA/#", "spBv1.0/STATE", "spBv1.0/STATE/a/b",
        "spBv1.0/plant/NDATA/gw1/"}) {
    EXPECT_FALSE(ParseSparkplugTopic(topic).ok()) << topic;
  }
}

TEST_F(SparkplugHostTest, BirthThenAliasDataThenSeqGapAsksForRebirth) {
  auto birth = Send("spBv1.0/plant/NBIRTH/gw1", NodeBirth(0, 7));
  ASSERT_EQ(birth.reason, SparkplugReason::kOk) << birth.detail;
  EXPECT_TRUE(host_.IsOnline("plant", "gw1"));
  // Birth values become samples; bdSeq, Node Control and strings do not.
  ASSERT_EQ(birth.samples.size(), 2u);
  EXPECT_EQ(birth.samples[0].metric, "Temperature");
  EXPECT_FLOAT_EQ(birth.samples[0].value, 40.5);
  EXPECT_EQ(birth.samples[0].time, FromNanos(kPayloadMs * 1'000'000));
  EXPECT_EQ(birth.samples[1].metric, "Count");
  EXPECT_EQ(birth.samples[1].value, -3);

  spb::Payload data = AliasData(1, 1);
  data.mutable_metrics(0)->set_float_value(41.0f);
  Metric* by_name = data.add_metrics();
  by_name->set_name("Count");
  by_name->set_int_value(9);
  by_name->set_timestamp(kPayloadMs + 5);
  auto d1 = Send("spBv1.0/plant/NDATA/gw1", data);
  ASSERT_EQ(d1.reason, SparkplugReason::kOk) << d1.detail;
  EXPECT_FALSE(d1.rebirth_needed);
  ASSERT_EQ(d1.samples.size(), 2u);
  EXPECT_EQ(d1.samples[0].metric, "Temperature");
  EXPECT_FLOAT_EQ(d1.samples[0].value, 41.0);
  EXPECT_EQ(d1.samples[0].time, FromNanos((kPayloadMs + 1000) * 1'000'000));
  EXPECT_EQ(d1.samples[1].value, 9);
  EXPECT_EQ(d1.samples[1].time, FromNanos((kPayloadMs + 5) * 1'000'000));

  // seq 2 is lost: seq 3 is a gap.
  spb::Payload gap = AliasData(3, 1);
  gap.mutable_metrics(0)->set_float_value(42.0f);
  auto d3 = Send("spBv1.0/plant/NDATA/gw1", gap);
  EXPECT_EQ(d3.reason, SparkplugReason::kSeqGap);
  EXPECT_TRUE(d3.rebirth_needed);
  EXPECT_TRUE(d3.samples.empty());
  EXPECT_EQ(d3.group, "plant");
  EXPECT_EQ(d3.edge_node, "gw1");
  EXPECT_FALSE(host_.IsOnline("plant", "gw1"));
  // Until the rebirth, data is refused and keeps asking for one.
  spb::Payload after = AliasData(4, 1);
  after.mutable_metrics(0)->set_float_value(43.0f);
  auto d4 = Send("spBv1.0/plant/NDATA/gw1", after);
  EXPECT_EQ(d4.reason, SparkplugReason::kNotBorn);
  EXPECT_TRUE(d4.rebirth_needed);
  // The rebirth restores the session with the new seq.
  ASSERT_EQ(Send("spBv1.0/plant/NBIRTH/gw1", NodeBirth(0, 8)).reason, SparkplugReason::kOk);
  spb::Payload again = AliasData(1, 1);
  again.mutable_metrics(0)->set_float_value(44.0f);
  EXPECT_EQ(Send("spBv1.0/plant/NDATA/gw1", again).reason, SparkplugReason::kOk);
  EXPECT_EQ(host_.count(SparkplugReason::kOk), 4u);
  EXPECT_EQ(host_.count(SparkplugReason::kSeqGap), 1u);
  EXPECT_EQ(host_.count(SparkplugReason::kNotBorn), 1u);
}

TEST_F(SparkplugHostTest, SeqWrapsFrom255ToZero) {
  ASSERT_EQ(Send("spBv1.0/plant/NBIRTH/gw1", NodeBirth(254, 1)).reason, SparkplugReason::kOk);
  for (uint64_t seq : {255u, 0u, 1u}) {
    spb::Payload p = AliasData(seq, 1);
    p.mutable_metrics(0)->set_float_value(1.0f);
    auto d = Send("spBv1.0/plant/NDATA/gw1", p);
    EXPECT_EQ(d.reason, SparkplugReason::kOk) << "seq " << seq << ": " << d.detail;
  }
}

TEST_F(SparkplugHostTest, DeviceBirthDataAndDeath) {
  Born();
  auto dbirth = Send("spBv1.0/plant/DBIRTH/gw1/pump-101", DeviceBirth(1));
  ASSERT_EQ(dbirth.reason, SparkplugReason::kOk) << dbirth.detail;
  EXPECT_TRUE(host_.IsDeviceOnline("plant", "gw1", "pump-101"));
  ASSERT_EQ(dbirth.samples.size(), 2u);
  EXPECT_EQ(dbirth.samples[0].device, "pump-101");
  EXPECT_EQ(dbirth.samples[1].value, 1.0);  // Boolean true

  spb::Payload data = AliasData(2, 10);
  data.mutable_metrics(0)->set_double_value(0.5);
  data.mutable_metrics(0)->set_is_historical(true);
  auto dd = Send("spBv1.0/plant/DDATA/gw1/pump-101", data);
  ASSERT_EQ(dd.reason, SparkplugReason::kOk) << dd.detail;
  ASSERT_EQ(dd.samples.size(), 1u);
  EXPECT_EQ(dd.samples[0].metric, "Vibration");
  EXPECT_TRUE(dd.samples[0].is_historical);
  // Node aliases are not device aliases.
  spb::Payload node_alias = AliasData(3, 1);
  node_alias.mutable_metrics(0)->set_float_value(1.0f);
  EXPECT_EQ(Send("spBv1.0/plant/DDATA/gw1/pump-101", node_alias).reason,
            SparkplugReason::kUnknownAlias);

  spb::Payload ddeath;
  ddeath.set_seq(4);
  EXPECT_EQ(Send("spBv1.0/plant/DDEATH/gw1/pump-101", ddeath).reason, SparkplugReason::kOk);
  EXPECT_FALSE(host_.IsDeviceOnline("plant", "gw1", "pump-101"));
  EXPECT_TRUE(host_.IsOnline("plant", "gw1"));
  spb::Payload late = AliasData(5, 10);
  late.mutable_metrics(0)->set_double_value(0.5);
  auto refused = Send("spBv1.0/plant/DDATA/gw1/pump-101", late);
  EXPECT_EQ(refused.reason, SparkplugReason::kNotBorn);
  EXPECT_TRUE(refused.rebirth_needed);
}

TEST_F(SparkplugHostTest, NodeDeathNeedsTheSessionsBdSeq) {
  Born();  // bdSeq 7
  ASSERT_EQ(Send("spBv1.0/plant/DBIRTH/gw1/pump-101", DeviceBirth(1)).reason, SparkplugReason::kOk);
  // A late will message from the previous session must not take the node down.
  auto stale = Send("spBv1.0/plant/NDEATH/gw1", Death(6));
  EXPECT_EQ(stale.reason, SparkplugReason::kBdSeqMismatch);
  EXPECT_FALSE(stale.rebirth_needed);
  EXPECT_TRUE(host_.IsOnline("plant", "gw1"));
  EXPECT_EQ(Send("spBv1.0/plant/NDEATH/gw1", Death(7)).reason, SparkplugReason::kOk);
  EXPECT_FALSE(host_.IsOnline("plant", "gw1"));
  EXPECT_FALSE(host_.IsDeviceOnline("plant", "gw1", "pump-101"));
  EXPECT_EQ(Send("spBv1.0/plant/NDEATH/gw9", Death(7)).reason, SparkplugReason::kNotBorn);
  EXPECT_EQ(Send("spBv1.0/plant/NDEATH/gw1", spb::Payload()).reason,
            SparkplugReason::kMissingBdSeq);
}

TEST_F(SparkplugHostTest, CommandsAndStateAreAcceptedWithoutSamples) {
  const std::string state = R"({"online":true,"timestamp":1})";
  auto d = host_.Handle("spBv1.0/STATE/scada", Bytes(state), kReceived);
  EXPECT_EQ(d.reason, SparkplugReason::kOk);
  auto cmd = BuildRebirthCommand(kReceived);
  EXPECT_EQ(host_.Handle("spBv1.0/plant/NCMD/gw1", Bytes(cmd), kReceived).reason,
            SparkplugReason::kOk);
  EXPECT_FALSE(host_.IsOnline("plant", "gw1"));
}

TEST(SparkplugRebirthTest, BuildsTheNodeControlCommand) {
  EXPECT_EQ(RebirthTopic("plant", "gw1"), "spBv1.0/plant/NCMD/gw1");
  spb::Payload p;
  ASSERT_TRUE(p.ParseFromString(BuildRebirthCommand(FromNanos(1'234'567'890'123'456'789))));
  EXPECT_EQ(p.timestamp(), 1'234'567'890'123u);
  EXPECT_FALSE(p.has_seq());
  ASSERT_EQ(p.metrics_size(), 1);
  EXPECT_EQ(p.metrics(0).name(), "Node Control/Rebirth");
  EXPECT_EQ(p.metrics(0).datatype(), static_cast<uint32_t>(spb::Boolean));
  EXPECT_TRUE(p.metrics(0).boolean_value());
}

TEST(SparkplugBatchTest, GroupsSamplesPerAssetAndMetric) {
  std::vector<SparkplugSample> samples = {
      {"plant", "gw1", "pump-101", "Vibration", FromNanos(10), 0.5, false},
      {"plant", "gw1", "", "Temperature", FromNanos(20), 40.0, false},
      {"plant", "gw1", "pump-101", "Vibration", FromNanos(30), 0.75, false},
  };
  auto batches = ToSampleBatches(samples, ChannelKind::kTemperature, 1.0);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].asset, "gw1");
  EXPECT_EQ(batches[0].channel, "Temperature");
  EXPECT_EQ(batches[1].asset, "pump-101");
  ASSERT_EQ(batches[1].values.size(), 2u);
  EXPECT_EQ(batches[1].values[1], 0.75f);
  EXPECT_EQ(batches[1].start, FromNanos(10));
  EXPECT_EQ(batches[1].TimeOf(1), FromNanos(30));
}

}  // namespace
}  // namespace edgeloop::ingest
