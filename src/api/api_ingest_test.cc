// Node traffic against the real hub: the edge's own uplink sender (Outbox + Uplink) delivering
// batches, dedupe of resends, parking on a refused node header; desired state with ETag/304 and
// artifacts over HTTP. (The real DesiredStatePoller lives in edgeloop_edge; driving it against
// the hub is left to tests/integration, which links the whole edge.)
#include <gtest/gtest.h>

#include "api/api_test_fixture.h"
#include "common/base64.h"
#include "uplink/outbox.h"
#include "uplink/uplink.h"

namespace edgeloop::api::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using store::Role;

// One batch payload as the edge daemon writes it: `windows` window records.
std::string Payload(const std::string& node, int batch, int windows) {
  json records = json::array();
  for (int i = 0; i < windows; ++i) {
    const int s = batch * 100 + i;
    records.push_back(
        {{"type", "window"},
         {"asset", "acme-pump-9"},
         {"start", "2026-01-01T00:" + std::string(s / 60 % 60 < 10 ? "0" : "") +
                       std::to_string(s / 60 % 60) + ":" + std::string(s % 60 < 10 ? "0" : "") +
                       std::to_string(s % 60) + ".000Z"},
         {"end", "2026-01-01T01:00:00.000Z"},
         {"status", "scored"},
         {"detector", "acme-pca@0123456789ab"},
         {"score", 0.1 * i},
         {"top_feature", "rms"},
         {"features", {{"rms", 1.0 + i}}}});
  }
  return json{
      {"v", 1}, {"node", node}, {"created", "2026-01-01T01:00:00.000Z"}, {"records", records}}
      .dump();
}

class IngestTest : public ApiTest {
 protected:
  std::unique_ptr<uplink::Outbox> NewOutbox() {
    return std::move(uplink::Outbox::Open({.path = ":memory:"})).value();
  }
  std::unique_ptr<uplink::Uplink> MakeUplink(uplink::Outbox& outbox, const std::string& node,
                                             const std::string& token) {
    return std::make_unique<uplink::Uplink>(
        outbox, uplink::MakeHttpTransport("127.0.0.1", hub().port(), milliseconds(10000)), clock_,
        uplink::UplinkOptions{.node_id = node, .token = token, .max_batches_per_request = 4});
  }
  // Steps until the outbox has nothing pending (bounded).
  void Drain(uplink::Uplink& up, uplink::Outbox& outbox) {
    for (int i = 0; i < 50 && outbox.Stats().value().pending > 0; ++i) {
      ASSERT_TRUE(up.Step().ok());
    }
  }
  int64_t Windows() { return hub().store().CountWindows(hub().acme().id, "acme-gw-1").value(); }
  SimulatedClock clock_{FromNanos(0)};
};

TEST_F(IngestTest, RealUplinkDeliversExactlyOnce) {
  const std::string node = hub().acme().node;
  auto outbox = NewOutbox();
  for (int b = 1; b <= 10; ++b) ASSERT_TRUE(outbox->Append(Payload(node, b, 3)).ok());
  auto up = MakeUplink(*outbox, node, hub().acme().node_token);
  Drain(*up, *outbox);
  EXPECT_EQ(outbox->Stats().value().pending, 0);
  EXPECT_EQ(up->stats().acked, 10);
  EXPECT_EQ(up->stats().parked, 0);
  EXPECT_EQ(Windows(), 30);
  for (int64_t seq = 1; seq <= 10; ++seq) {
    auto info = hub().store().GetBatch(hub().acme().id, node, seq);
    ASSERT_TRUE(info.ok()) << seq;
    EXPECT_EQ(info->windows, 3);
  }
  EXPECT_EQ(hub().metrics().ingest_batches_stored(), 10);
  EXPECT_EQ(hub().metrics().ingest_rows(), 30);

  // The node lost its acks (e.g. killed before deleting): a second outbox resends seqs 1..4.
  auto resend = NewOutbox();
  for (int b = 1; b <= 4; ++b) ASSERT_TRUE(resend->Append(Payload(node, b, 3)).ok());
  auto up2 = MakeUplink(*resend, node, hub().acme().node_token);
  Drain(*up2, *resend);
  EXPECT_EQ(resend->Stats().value().pending, 0);  // acked as held
  EXPECT_EQ(up2->stats().acked, 4);
  EXPECT_EQ(Windows(), 30);  // nothing stored twice
  EXPECT_EQ(hub().metrics().ingest_batches_duplicate(), 4);
  auto n = hub().store().GetNode(hub().acme().id, node).value();
  EXPECT_EQ(n.batches, 10);
  EXPECT_EQ(n.duplicates, 4);
}

TEST_F(IngestTest, WrongNodeHeaderIsParkedWith403) {
  auto outbox = NewOutbox();
  ASSERT_TRUE(outbox->Append(Payload("acme-gw-2", 1, 1)).ok());
  // acme-gw-1's token, but the sender claims to be acme-gw-2.
  auto up = MakeUplink(*outbox, "acme-gw-2", hub().acme().node_token);
  ASSERT_TRUE(up->Step().ok());
  EXPECT_EQ(up->stats().parked, 1);
  auto parked = outbox->Parked(10).value();
  ASSERT_EQ(parked.size(), 1u);
  EXPECT_EQ(parked[0].reason.rfind("HTTP 403", 0), 0u) << parked[0].reason;
  EXPECT_EQ(Windows(), 0);
}

TEST_F(IngestTest, HumanTokenAndOtherTenantCannotIngest) {
  auto outbox = NewOutbox();
  ASSERT_TRUE(outbox->Append(Payload("acme-gw-1", 1, 1)).ok());
  auto up = MakeUplink(*outbox, "acme-gw-1", hub().acme().token(Role::kAdmin));
  ASSERT_TRUE(up->Step().ok());
  EXPECT_EQ(up->stats().parked, 1);  // 403: ingest is node-only
  auto outbox2 = NewOutbox();
  ASSERT_TRUE(outbox2->Append(Payload("acme-gw-1", 1, 1)).ok());
  auto up2 = MakeUplink(*outbox2, "acme-gw-1", hub().globex().node_token);
  ASSERT_TRUE(up2->Step().ok());
  EXPECT_EQ(up2->stats().parked, 1);
  EXPECT_EQ(Windows(), 0);
}

TEST_F(IngestTest, MalformedRequestsStoreNothing) {
  const std::string node = hub().acme().node;
  const std::vector<std::pair<std::string, std::string>> headers = {{"X-Edgeloop-Node", node},
                                                                    {"X-Edgeloop-Protocol", "1"}};
  const std::string good_batch = Base64Encode(Payload(node, 1, 2));
  const std::string bad_batch = Base64Encode("{\"v\":1,\"node\":\"acme-gw-1\"}");
  for (const std::string& body :
       {std::string("{"), std::string("[]"),
        json{{"v", 2}, {"node", node}, {"batches", {{{"seq", 1}, {"payload", good_batch}}}}}.dump(),
        json{{"v", 1},
             {"node", node},
             {"batches",
              {{{"seq", 1}, {"payload", good_batch}}, {{"seq", 2}, {"payload", bad_batch}}}}}
            .dump(),
        json{{"v", 1}, {"node", node}, {"batches", {{{"seq", 1}, {"payload", "***"}}}}}.dump()}) {
    HttpResult r = hub().Call("POST", "/v1/ingest", hub().acme().node_token, body, headers);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_TRUE(r.HasErrorShape());
  }
  HttpResult v2 = hub().Call("POST", "/v1/ingest", hub().acme().node_token,
                             json{{"v", 1}, {"node", node}, {"batches", json::array()}}.dump(),
                             {{"X-Edgeloop-Node", node}, {"X-Edgeloop-Protocol", "2"}});
  EXPECT_EQ(v2.status, 400);
  EXPECT_EQ(Windows(), 0);
  EXPECT_FALSE(hub().store().GetBatch(hub().acme().id, node, 1).ok());
  // A good request: acked.
  HttpResult ok = hub().Call(
      "POST", "/v1/ingest", hub().acme().node_token,
      json{{"v", 1}, {"node", node}, {"batches", {{{"seq", 1}, {"payload", good_batch}}}}}.dump(),
      headers);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json["acked"], json({1}));
  EXPECT_EQ(Windows(), 2);
}

TEST_F(SeededApiTest, DesiredStateWithEtagAndArtifacts) {
  const std::string node_token = hub().acme().node_token;
  HttpResult d = hub().Get("/v1/nodes/acme-gw-1/desired", node_token);
  ASSERT_EQ(d.status, 200) << d.body;
  const std::string etag = d.Header("ETag");
  ASSERT_FALSE(etag.empty());
  ASSERT_EQ(d.json["models"].size(), 1u);
  const json& m = d.json["models"][0];
  EXPECT_EQ(m["group"], seed().deployment_group);
  EXPECT_EQ(m["role"], "production");
  EXPECT_EQ(m["sha256"], seed().model_sha256);
  EXPECT_EQ(m["url"], "/v1/artifacts/" + seed().model_sha256);

  HttpResult same =
      hub().Call("GET", "/v1/nodes/acme-gw-1/desired", node_token, "", {{"If-None-Match", etag}});
  EXPECT_EQ(same.status, 304);
  EXPECT_TRUE(same.body.empty());
  HttpResult stale = hub().Call("GET", "/v1/nodes/acme-gw-1/desired", node_token, "",
                                {{"If-None-Match", "\"old\""}});
  EXPECT_EQ(stale.status, 200);
  // A human reader sees the same document; another tenant's node or reader does not.
  EXPECT_EQ(hub().Get("/v1/nodes/acme-gw-1/desired", hub().acme().token(Role::kViewer)).status,
            200);
  EXPECT_EQ(hub().Get("/v1/nodes/acme-gw-1/desired", hub().globex().node_token).status, 403);
  EXPECT_EQ(hub().Get("/v1/nodes/acme-gw-1/desired", hub().globex().token(Role::kViewer)).status,
            404);

  HttpResult a = hub().Get(m["url"].get<std::string>(), node_token);
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.body, seed().artifact);
  EXPECT_EQ(a.Header("Content-Type"), "application/octet-stream");
  EXPECT_EQ(hub().Get(m["url"].get<std::string>(), hub().globex().node_token).status, 404);
  EXPECT_EQ(hub().Get("/v1/artifacts/xyz", node_token).status, 400);
}

}  // namespace
}  // namespace edgeloop::api::testing
