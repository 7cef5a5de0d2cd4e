using System.IO;
using System.Linq;
using SshKms.Core.OpenSsh;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Parity
{
    /// <summary>
    /// Bad certificate and CA-key inputs, each given to the cmdlet (in a runspace) and to `sshkms` (a process): both map
    /// onto the same Core operation, so both refuse with the same ErrorId.
    /// </summary>
    public sealed class CertificateParityTests
    {
        private static readonly string Ca = TestHome.NewLocalCa("parity-ca");

        private static string PublicKeyFile(TempDir dir, string contents)
        {
            string path = dir.File("id.pub");
            File.WriteAllText(path, contents);
            return path;
        }

        private static string GoodKey() => SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "parity").PublicKey + "\n";

        /// <summary>New-SshKmsCertificate -PublicKeyPath $p ... against `sshkms cert new --public-key P ...`.</summary>
        private static void IssueFails(string expectedId, string publicKeyPath, string psExtra, params string[] cliExtra) =>
            FrontEndParity.AssertSameErrorId(expectedId,
                "New-SshKmsCertificate -CaKey $ca -PublicKeyPath $p " + psExtra,
                new[] { "cert", "new", "--ca", Ca, "--public-key", publicKeyPath }.Concat(cliExtra).ToArray(),
                null, null, ("ca", Ca), ("p", publicKeyPath));

        [Fact]
        public void MissingPublicKeyFile()
        {
            using var dir = new TempDir();
            IssueFails("PublicKeyFileNotFound", dir.File("nope.pub"), "-Principal alice", "--principal", "alice");
        }

        [Fact]
        public void PublicKeyFileHoldingAPrivateKey()
        {
            using var dir = new TempDir();
            using SshPrivateKey key = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "parity");
            IssueFails("SshPublicKeyIsPrivate", PublicKeyFile(dir, key.ToOpenSshFormat()), "-Principal alice", "--principal", "alice");
        }

        [Fact]
        public void EmptyPublicKeyFile()
        {
            using var dir = new TempDir();
            IssueFails("SshPublicKeyEmpty", PublicKeyFile(dir, "\n"), "-Principal alice", "--principal", "alice");
        }

        [Fact]
        public void ValidityWithoutAUnitItKnows()
        {
            using var dir = new TempDir();
            IssueFails("CertificateValidityInvalid", PublicKeyFile(dir, GoodKey()), "-Principal alice -Validity '15x'", "--principal", "alice", "--validity", "15x");
        }

        [Fact]
        public void ValidityBeyondThePolicy()
        {
            using var dir = new TempDir();
            IssueFails("CertificateValidityTooLong", PublicKeyFile(dir, GoodKey()), "-Principal alice -Validity '400d'", "--principal", "alice", "--validity", "400d");
        }

        [Fact]
        public void NoPrincipal()
        {
            using var dir = new TempDir();
            IssueFails("CertificatePrincipalRequired", PublicKeyFile(dir, GoodKey()), string.Empty);
        }

        [Fact]
        public void TooManyPrincipals()
        {
            using var dir = new TempDir();
            string[] names = Enumerable.Range(0, 257).Select(i => "user" + i).ToArray();
            IssueFails("CertificateTooManyPrincipals", PublicKeyFile(dir, GoodKey()), "-Principal " + string.Join(",", names),
                names.SelectMany(n => new[] { "--principal", n }).ToArray());
        }

        [Fact]
        public void HostCertificateWithACriticalOption()
        {
            using var dir = new TempDir();
            IssueFails("CertificateHostCriticalOption", PublicKeyFile(dir, GoodKey()), "-Principal web1 -CertificateType Host -ForceCommand uptime",
                "--principal", "web1", "--type", "host", "--option", "force-command=uptime");
        }

        [Fact]
        public void SerialZero()
        {
            using var dir = new TempDir();
            IssueFails("CertificateSerialInvalid", PublicKeyFile(dir, GoodKey()), "-Principal alice -Serial 0", "--principal", "alice", "--serial", "0");
        }

        [Fact]
        public void ShowAMalformedCertificate()
        {
            using var dir = new TempDir();
            string path = dir.File("bad-cert.pub");
            File.WriteAllText(path, "ssh-ed25519-cert-v01@openssh.com AAAAnotbase64!!\n");
            FrontEndParity.AssertSameErrorId("SshBase64Invalid", "Get-SshCertificate -Path $p", new[] { "cert", "show", path }, null, null, ("p", path));
        }

        [Fact]
        public void ShowAMissingCertificateFile()
        {
            using var dir = new TempDir();
            string path = dir.File("none-cert.pub");
            FrontEndParity.AssertSameErrorId("CertificateFileNotFound", "Get-SshCertificate -Path $p", new[] { "cert", "show", path }, null, null, ("p", path));
        }

        [Fact]
        public void PublicKeyOfAnUnknownLocalCaKey()
        {
            string missing = TestHome.NewLocalKey("parity-missing");
            FrontEndParity.AssertSameErrorId("KeyNotFound", "Get-SshKmsCaPublicKey -CaKey $k", new[] { "ca", "public-key", "--ca", missing }, null, null, ("k", missing));
        }

        [Fact]
        public void CreatingACaKeyThatExists()
        {
            FrontEndParity.AssertSameErrorId("LocalKeyExists", "New-SshKmsCaKey -CaKey $k", new[] { "ca", "create", "--ca", Ca }, null, null, ("k", Ca));
        }

        [Fact]
        public void ASourceAddressThatIsNotAnAddress()
        {
            using var dir = new TempDir();
            // The cmdlet's -SourceAddress and the CLI's --option source-address= both reach the same check of the address list.
            IssueFails("CertificateSourceAddressInvalid", PublicKeyFile(dir, GoodKey()), "-Principal alice -SourceAddress 'not-an-address'",
                "--principal", "alice", "--option", "source-address=not-an-address");
        }
    }
}
