// Mutual TLS at the hub: an agent's certificate must name its cluster; the
// Fleet API needs a client certificate too. And /metrics serves the families
// the issue asks for.
#include <grpcpp/security/credentials.h>

#include "shared/grpc/tls_credentials.h"
#include "shared/tls/pki.h"
#include "tests/hub/server/hub_fixture.h"

namespace srfleet::hub::testing {
namespace {

class HubTlsTest : public HubFixture {
 protected:
  void SetUp() override {
    HubFixture::SetUp();
    auto ca = tls::CertificateAuthority::Create("srfleet-test-ca");
    ASSERT_TRUE(ca.ok());
    ca_ = std::make_unique<tls::CertificateAuthority>(*std::move(ca));
    auto server = ca_->IssueServerCert();
    ASSERT_TRUE(server.ok());
    options_.credentials = grpcutil::MakeServerCredentialsFromPem({server->cert_pem, server->key_pem, ca_->cert_pem()});
    options_.mtls_required = true;
  }
  std::shared_ptr<grpc::ChannelCredentials> ClientCreds(const std::string& cn) {
    auto cert = ca_->IssueClientCert({cn, {}});
    EXPECT_TRUE(cert.ok());
    return grpcutil::MakeChannelCredentialsFromPem({ca_->cert_pem(), cert->cert_pem, cert->key_pem});
  }
  std::unique_ptr<tls::CertificateAuthority> ca_;
};

// Hello over a TLS channel; returns how the stream ended (or OK when it
// was accepted, i.e. the cluster became Connected).
grpc::Status HelloOver(std::shared_ptr<grpc::Channel> channel, const std::string& cluster,
                       const std::function<std::string()>& state) {
  auto stub = fleet::v1::AgentLink::NewStub(channel);
  grpc::ClientContext ctx;
  auto stream = stub->Connect(&ctx);
  fleet::v1::AgentMessage hello;
  hello.mutable_hello()->set_cluster(cluster);
  hello.mutable_hello()->set_protocol_version(1);
  stream->Write(hello);
  fleet::v1::HubMessage first;
  if (stream->Read(&first) && first.has_welcome()) {
    const bool connected = Eventually([&] { return state() == "Connected"; });
    ctx.TryCancel();
    return connected ? grpc::Status::OK : grpc::Status(grpc::StatusCode::INTERNAL, "not connected");
  }
  return stream->Finish();
}

TEST_F(HubTlsTest, AgentCertificateMustNameItsCluster) {
  StartHub();
  // The fixture's plaintext Fleet client cannot talk to a TLS hub: use one with a cert.
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  auto admin = grpc::CreateCustomChannel(hub_->grpc_target(), ClientCreds("srfleet-admin"), args);
  fleet_ = fleet::v1::Fleet::NewStub(admin);
  ASSERT_TRUE(Register("east", {}).ok());
  ASSERT_TRUE(Register("west", {}).ok());
  auto state = [this](const std::string& c) { return [this, c] { return ClusterState(c); }; };

  auto as_east = grpc::CreateCustomChannel(hub_->grpc_target(), ClientCreds("east"), args);
  EXPECT_TRUE(HelloOver(as_east, "east", state("east")).ok());

  // east's certificate cannot speak for west.
  grpc::Status impostor = HelloOver(as_east, "west", state("west"));
  EXPECT_EQ(impostor.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(impostor.error_message(), ::testing::HasSubstr("not a name in the client certificate"));

  // No client certificate: the TLS handshake itself fails.
  auto anonymous = grpc::CreateCustomChannel(
      hub_->grpc_target(), grpcutil::MakeChannelCredentialsFromPem({ca_->cert_pem(), "", ""}), args);
  auto stub = fleet::v1::Fleet::NewStub(anonymous);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  fleet::v1::ListClustersResponse resp;
  EXPECT_EQ(stub->ListClusters(&ctx, fleet::v1::ListClustersRequest(), &resp).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(HubTlsTest, AClusterCertificateCannotUseTheFleetApi) {
  StartHub();
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  auto as_cluster = fleet::v1::Fleet::NewStub(
      grpc::CreateCustomChannel(hub_->grpc_target(), ClientCreds("east"), args));
  grpc::ClientContext ctx;
  fleet::v1::ListClustersResponse resp;
  grpc::Status s = as_cluster->ListClusters(&ctx, fleet::v1::ListClustersRequest(), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("administrator certificate"));
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("srfleet-admin"));

  grpc::ClientContext watch_ctx;
  auto watch = as_cluster->WatchEvents(&watch_ctx, fleet::v1::WatchEventsRequest());
  fleet::v1::FleetEvent event;
  EXPECT_FALSE(watch->Read(&event));
  EXPECT_EQ(watch->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);

  auto as_admin = fleet::v1::Fleet::NewStub(
      grpc::CreateCustomChannel(hub_->grpc_target(), ClientCreds("srfleet-admin"), args));
  grpc::ClientContext admin_ctx;
  EXPECT_TRUE(as_admin->ListClusters(&admin_ctx, fleet::v1::ListClustersRequest(), &resp).ok());
}

}  // namespace
}  // namespace srfleet::hub::testing
