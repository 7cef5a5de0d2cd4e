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

        /// <summary>Both front ends hand the name to Core's one parser, so a bad transport is one id (PowerShell's binder never sees an enum).</summary>
        [Theory]
        [InlineData("bogus")]
        [InlineData("ssh")]
        public void ATransportThatIsNotAutoOpenSshOrManaged(string transport)
        {
            FrontEndParity.AssertSameErrorId("SshTransportInvalid", "Set-SshCaTrust -CaKey $ca -Node web1 -Transport $t",
                new[] { "trust", "set", "--ca", Ca, "--node", "web1", "--transport", transport }, null, null, ("ca", Ca), ("t", transport));
        }

        [Fact]
        public void ATransportWithoutSshNodes()
        {
            FrontEndParity.AssertSameErrorId("TrustTargetsConflict", "Set-SshCaTrust -CaKey $ca -InstanceId i-1 -Transport Managed",
                new[] { "trust", "set", "--ca", Ca, "--instance-id", "i-1", "--transport", "managed" }, null, null, ("ca", Ca));
        }

        [Fact]
        public void ANodeThatIsNotHostPort()
        {
            FrontEndParity.AssertSameErrorId("RotationNodeInvalid", "Set-SshCaTrust -CaKey $ca -Node 'web1:99999'",
                new[] { "trust", "set", "--ca", Ca, "--node", "web1:99999" }, null, null, ("ca", Ca));
        }
    }
}
