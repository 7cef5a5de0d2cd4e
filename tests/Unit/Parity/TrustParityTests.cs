using System.IO;
using System.Threading;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.Trust;
using SshKms.Tests.Infrastructure;
using SshKms.Tests.Trust;
using Xunit;

namespace SshKms.Tests.Parity
{
    /// <summary>One bad input to Set-/Remove-SshCaTrust in a runspace and to `sshkms trust ...` as a process: the same ErrorId.</summary>
    public sealed class TrustParityTests : System.IDisposable
    {
        private readonly TrustSshd _layout = new TrustSshd();
        private readonly string _ca = TestHome.NewLocalKey("trust-parity");

        public TrustParityTests()
        {
            SigningKeys.CreateAsync(KeyUri.Parse(_ca), null, new AwsSettings(), CancellationToken.None).GetAwaiter().GetResult();
        }

        public void Dispose() => _layout.Dispose();

        [Fact]
        public void Principals_without_a_user_are_TrustPrincipalsInvalid() =>
            FrontEndParity.AssertSameErrorId("TrustPrincipalsInvalid",
                "Set-SshCaTrust -CaKey $ca -SshdConfigPath $cfg -Principal 'alice' -NoReload",
                new[] { "trust", "set", "--ca", _ca, "--sshd-config", _layout.ConfigPath, "--principals", "alice", "--no-reload" },
                null, null, ("ca", _ca), ("cfg", _layout.ConfigPath));

        [Fact]
        public void A_missing_configuration_is_TrustConfigNotFound() =>
            FrontEndParity.AssertSameErrorId("TrustConfigNotFound",
                "Get-SshCaTrust -SshdConfigPath $cfg",
                new[] { "trust", "show", "--sshd-config", Path.Combine(_layout.Folder, "nope") },
                null, null, ("cfg", Path.Combine(_layout.Folder, "nope")));

        [Fact]
        public void A_configuration_sshd_rejects_is_TrustConfigInvalid()
        {
            File.AppendAllText(_layout.ConfigPath, "NoSuchKeyword yes\n");
            FrontEndParity.AssertSameErrorId("TrustConfigInvalid",
                "Set-SshCaTrust -CaKey $ca -SshdConfigPath $cfg -NoReload",
                new[] { "trust", "set", "--ca", _ca, "--sshd-config", _layout.ConfigPath, "--no-reload" },
                null, null, ("ca", _ca), ("cfg", _layout.ConfigPath));
        }

        [Fact]
        public void A_host_pattern_with_spaces_is_TrustHostPatternInvalid() =>
            FrontEndParity.AssertSameErrorId("TrustHostPatternInvalid",
                "Set-SshCaTrust -CaKey $ca -HostPattern 'a b' -KnownHostsPath $kh",
                new[] { "trust", "known-hosts", "--ca", _ca, "--host-pattern", "a b", "--known-hosts", Path.Combine(_layout.Folder, "kh") },
                null, null, ("ca", _ca), ("kh", Path.Combine(_layout.Folder, "kh")));

        [Fact]
        public void Removing_a_CA_that_is_not_trusted_is_TrustCaNotTrusted()
        {
            SetCaTrustOperation.RunAsync(new SetCaTrustOptions { CaKeys = new[] { _ca }, SshdConfig = _layout.ConfigPath, NoReload = true }, CancellationToken.None)
                .GetAwaiter().GetResult();
            string other = TestHome.NewLocalKey("trust-parity-other");
            SigningKeys.CreateAsync(KeyUri.Parse(other), null, new AwsSettings(), CancellationToken.None).GetAwaiter().GetResult();
            FrontEndParity.AssertSameErrorId("TrustCaNotTrusted",
                "Remove-SshCaTrust -CaKey $ca -SshdConfigPath $cfg -NoReload -Confirm:$false",
                new[] { "trust", "remove", "--ca", other, "--sshd-config", _layout.ConfigPath, "--no-reload" },
                null, null, ("ca", other), ("cfg", _layout.ConfigPath));
        }
    }
}
