using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Parity
{
    /// <summary>Bad remote-trust inputs through Set-SshCaTrust and `sshkms trust set`: the same ErrorId from both, before any node is reached.</summary>
    public sealed class RemoteTrustParityTests
    {
        private static readonly string Ca = TestHome.NewLocalCa("parity-remote-trust-ca");

        [Fact]
        public void SshNodesAndInstanceIdsTogether()
        {
            FrontEndParity.AssertSameErrorId("TrustTargetsConflict", "Set-SshCaTrust -CaKey $ca -Node web1 -InstanceId i-1",
                new[] { "trust", "set", "--ca", Ca, "--node", "web1", "--instance-id", "i-1" }, null, null, ("ca", Ca));
        }

        [Fact]
        public void HostCertificatesOnRemoteNodes()
        {
            FrontEndParity.AssertSameErrorId("TrustRemoteUnsupported", "Set-SshCaTrust -CaKey $ca -Node web1 -HostCertificate",
                new[] { "trust", "set", "--ca", Ca, "--node", "web1", "--host-certificate" }, null, null, ("ca", Ca));
        }

        [Fact]
        public void ANodeThatIsNotHostPort()
        {
            FrontEndParity.AssertSameErrorId("RotationNodeInvalid", "Set-SshCaTrust -CaKey $ca -Node 'web1:99999'",
                new[] { "trust", "set", "--ca", Ca, "--node", "web1:99999" }, null, null, ("ca", Ca));
        }
    }
}
