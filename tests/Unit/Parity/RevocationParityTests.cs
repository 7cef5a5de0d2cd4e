using System.IO;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Parity
{
    /// <summary>The same bad revocation input through Revoke-/Get-/Test-SshKmsRevocation and `sshkms revoke|krl`: the same ErrorId.</summary>
    public sealed class RevocationParityTests : System.IDisposable
    {
        private readonly TempDir _dir = new TempDir("sshkms-krl-parity");

        public void Dispose() => _dir.Dispose();

        [Theory]
        [InlineData("0")]
        [InlineData("9-3")]
        [InlineData("abc")]
        public void Bad_serial(string serial)
        {
            string ca = TestHome.NewLocalCa("krl-parity");
            string krl = _dir.File("s.krl");
            FrontEndParity.AssertSameErrorId("RevocationSerialInvalid",
                "Revoke-SshKmsCertificate -CaKey $ca -Serial $s -KrlPath $krl -Confirm:$false", new[] { "revoke", "--ca", ca, "--serial", serial, "--krl", krl },
                null, null, ("ca", ca), ("s", serial), ("krl", krl));
        }

        [Fact]
        public void Nothing_to_revoke()
        {
            string ca = TestHome.NewLocalCa("krl-parity");
            FrontEndParity.AssertSameErrorId("RevocationNothingGiven",
                "Revoke-SshKmsCertificate -CaKey $ca -Confirm:$false", new[] { "revoke", "--ca", ca }, null, null, ("ca", ca));
        }

        [Fact]
        public void Missing_public_key_file()
        {
            string ca = TestHome.NewLocalCa("krl-parity");
            string missing = _dir.File("missing.pub");
            FrontEndParity.AssertSameErrorId("PublicKeyFileNotFound",
                "Revoke-SshKmsCertificate -CaKey $ca -PublicKeyPath $p -KrlPath $k -Confirm:$false", new[] { "revoke", "--ca", ca, "--public-key", missing, "--krl", _dir.File("k.krl") },
                null, null, ("ca", ca), ("p", missing), ("k", _dir.File("k.krl")));
        }

        [Fact]
        public void Missing_and_malformed_krl()
        {
            string missing = _dir.File("none.krl");
            FrontEndParity.AssertSameErrorId("KrlNotFound", "Get-SshKmsRevocation -Path $p", new[] { "krl", "show", missing }, null, null, ("p", missing));

            string bad = _dir.File("bad.krl");
            File.WriteAllText(bad, "SSHKRL\n");
            string key = _dir.File("k");
            Tool.Check("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key);
            FrontEndParity.AssertSameErrorId("KrlMalformed", "Test-SshKmsRevocation -KrlPath $p -Path $k", new[] { "krl", "check", bad, key + ".pub" }, null, null, ("p", bad), ("k", key + ".pub"));
        }

        [Fact]
        public void Unknown_principal()
        {
            string ca = TestHome.NewLocalCa("krl-parity");
            FrontEndParity.AssertSameErrorId("RevocationPrincipalNotFound",
                "Revoke-SshKmsCertificate -CaKey $ca -Principal nobody-at-all -KrlPath $k -Confirm:$false", new[] { "revoke", "--ca", ca, "--principal", "nobody-at-all", "--krl", _dir.File("k.krl") },
                null, null, ("ca", ca), ("k", _dir.File("k.krl")));
        }
    }
}
