using System.Linq;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Parity
{
    /// <summary>Invoke-SshKmsSession / Copy-SshKmsItem and `sshkms ssh` / `sshkms scp` refuse the same bad input with the same ErrorId.</summary>
    public sealed class SessionParityTests
    {
        /// <summary>ssh reads no user or system configuration and trusts no host: the runs depend on nothing on this machine.</summary>
        private const string PsIsolation = " -ConfigFile /dev/null -SshOption @{ UserKnownHostsFile = '/dev/null'; GlobalKnownHostsFile = '/dev/null' }";

        private static readonly string[] CliIsolation = { "--ssh-config", "/dev/null", "--ssh-option", "UserKnownHostsFile=/dev/null", "--ssh-option", "GlobalKnownHostsFile=/dev/null" };

        [Fact]
        public void SessionWithASecretAndACaKeyIsOneConflict() =>
            FrontEndParity.AssertSameErrorId("SessionCredentialsConflict",
                "Invoke-SshKmsSession 127.0.0.1 true -CaKey local:x -SecretId s",
                new[] { "ssh", "--ca", "local:x", "--secret-id", "s", "127.0.0.1", "--", "true" });

        [Fact]
        public void CopyWithASecretAndACaKeyIsOneConflict() =>
            FrontEndParity.AssertSameErrorId("SessionCredentialsConflict",
                "Copy-SshKmsItem /tmp/a 127.0.0.1:/tmp/b -CaKey local:x -SecretId s",
                new[] { "scp", "--ca", "local:x", "--secret-id", "s", "/tmp/a", "127.0.0.1:/tmp/b" });

        [Fact]
        public void ValidityWithoutAUnitIsInvalid() =>
            FrontEndParity.AssertSameErrorId("CertificateValidityInvalid",
                "Invoke-SshKmsSession 127.0.0.1 true -Validity '5x'",
                new[] { "ssh", "--validity", "5x", "127.0.0.1", "--", "true" });

        [Fact]
        public void AnInteractiveSessionTakesOneHost() =>
            FrontEndParity.AssertSameErrorId("SessionInteractiveManyHosts",
                "Invoke-SshKmsSession h1, h2 -CaKey local:x",
                new[] { "ssh", "--ca", "local:x", "h1", "h2" });

        [Fact]
        public void ATransportThatIsNotAutoOpenSshOrManaged() =>
            FrontEndParity.AssertSameErrorId("SshTransportInvalid",
                "Invoke-SshKmsSession 127.0.0.1 true -CaKey local:x -Transport telnet",
                new[] { "ssh", "--ca", "local:x", "--transport", "telnet", "127.0.0.1", "--", "true" });

        [Fact]
        public void ACopyTransportThatIsNotAutoOpenSshOrManaged() =>
            FrontEndParity.AssertSameErrorId("SshTransportInvalid",
                "Copy-SshKmsItem /tmp/a 127.0.0.1:/tmp/b -CaKey local:x -Transport telnet",
                new[] { "scp", "--ca", "local:x", "--transport", "telnet", "/tmp/a", "127.0.0.1:/tmp/b" });

        [Fact]
        public void CopyWithoutARemoteOperand() =>
            FrontEndParity.AssertSameErrorId("CopyNoRemote",
                "Copy-SshKmsItem /tmp/a /tmp/b -CaKey local:x",
                new[] { "scp", "--ca", "local:x", "/tmp/a", "/tmp/b" });

        /// <summary>
        /// One host and two: one host on the CLI's own console hands ssh the terminal, and its own messages go to a log
        /// that is classified after; several hosts are captured and classified as in the cmdlet.
        /// </summary>
        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        public void AClosedPortIsAnUnreachableHost(int hosts)
        {
            string ca = TestHome.NewLocalCa("parity-unreachable-" + hosts);
            int port = FreePort.Next();
            string[] names = new[] { "127.0.0.1", "127.0.0.2" }.Take(hosts).ToArray();
            FrontEndParity.AssertSameErrorId("HostUnreachable",
                $"Invoke-SshKmsSession {string.Join(", ", names)} true -CaKey $ca -Port $p" + PsIsolation,
                new[] { "ssh", "--ca", ca, "--port", port.ToString() }.Concat(CliIsolation).Concat(names).Concat(new[] { "--", "true" }).ToArray(),
                null, null, ("ca", ca), ("p", port));
        }

        [Fact]
        public void AnSshOptionNameWithASpaceIsInvalid()
        {
            string ca = TestHome.NewLocalCa("parity-option");
            FrontEndParity.AssertSameErrorId("SshOptionInvalid",
                "Invoke-SshKmsSession 127.0.0.1 true -CaKey $ca -SshOption @{ 'Bad Name' = 'x' }",
                new[] { "ssh", "--ca", ca, "--ssh-option", "Bad Name=x", "127.0.0.1", "--", "true" },
                null, null, ("ca", ca));
        }

        [Fact]
        public void ANamedLocalCaIsNeverMadeForASession()
        {
            string missing = TestHome.NewLocalKey("parity-missing-ca");
            FrontEndParity.AssertSameErrorId("KeyNotFound",
                "Invoke-SshKmsSession 127.0.0.1 true -CaKey $ca",
                new[] { "ssh", "--ca", missing, "127.0.0.1", "--", "true" },
                null, null, ("ca", missing));
        }
    }
}
