using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using SshKms.Core.Authority;
using SshKms.Core.OpenSsh;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.PowerShell
{
    /// <summary>
    /// The certificate cmdlets in a real runspace over the real local: provider, each CA made first with
    /// New-SshKmsCaKey as a user would; certificates are read back by ssh-keygen.
    /// </summary>
    public class AuthorityCmdletTests : IClassFixture<ModuleRunspace>
    {
        private readonly ModuleRunspace _ps;

        public AuthorityCmdletTests(ModuleRunspace ps)
        {
            _ps = ps;
        }

        private string NewCa()
        {
            string ca = TestHome.NewLocalKey("cmdlet-ca");
            _ps.Ok("New-SshKmsCaKey -CaKey $ca", ("ca", ca));
            return ca;
        }

        private static string NewPublicKeyFile(TempDir dir, string name, SshKeyAlgorithm algorithm = SshKeyAlgorithm.Ed25519)
        {
            string pub = dir.File(name);
            File.WriteAllText(pub, SshPrivateKey.Generate(algorithm, "me@box").PublicKey + "\n");
            return pub;
        }

        [Fact]
        public void NewCertificateWritesCertBesideTheKeyAndGetCertificateReadsItBack()
        {
            using var dir = new TempDir();
            string ca = NewCa();
            string pub = NewPublicKeyFile(dir, "id_ed25519.pub");
            RunResult r = _ps.Run(
                "New-SshKmsCertificate -CaKey $ca -PublicKeyPath $pub -Principal ec2-user -Validity 1h30m -ForceCommand uptime -SourceAddress 10.0.0.0/8 -KeyId '{caller}/{principal}'",
                ("ca", ca), ("pub", pub));
            Assert.Empty(r.Errors);
            Assert.Empty(r.Warnings);
            SshCertificate cert = r.Single<SshCertificate>();
            string written = dir.File("id_ed25519-cert.pub");
            Assert.Equal(cert.ToString(), File.ReadAllText(written).Trim());
            Assert.Equal(TimeSpan.FromMinutes(90), cert.ValidTo!.Value - cert.ValidFrom);

            CertificateInfo info = (CertificateInfo)Assert.Single(_ps.Ok("Get-SshCertificate -Path $p", ("p", written))).BaseObject;
            Assert.Equal("User", info.Type);
            Assert.EndsWith("/ec2-user", info.KeyId);
            Assert.StartsWith("local:", info.KeyId);
            Assert.Equal(new[] { "ec2-user" }, info.Principals);
            Assert.Equal("uptime", info.CriticalOptions["force-command"]);
            Assert.Equal("10.0.0.0/8", info.CriticalOptions["source-address"]);
            Assert.Equal(CertificatePolicy.DefaultUserExtensions, info.Extensions);
            Assert.Equal(SshPublicKey.Parse(TestHome.CaPublicKeyLine(ca)).Fingerprint, info.SigningCaFingerprint);
            Assert.Equal("ecdsa-sha2-nistp256", info.SignatureAlgorithm);
            string listing = Tool.Check("ssh-keygen", "-L", "-f", written);
            Assert.Contains("Serial: " + info.Serial, listing);
            Assert.Contains("force-command uptime", listing);
        }

        [Fact]
        public void WhatIfOpensNoCaWritesNothingAndJournalsNothing()
        {
            using var dir = new TempDir();
            string ca = NewCa();
            string line = SshPrivateKey.Generate(SshKeyAlgorithm.EcdsaP256).PublicKey.ToString();
            string outFile = dir.File("host-cert.pub");
            RunResult whatIf = _ps.Run("New-SshKmsCertificate -CaKey $ca -PublicKey $k -CertificateType Host -Principal web1.example -Validity '7d' -OutFile $o -WhatIf",
                ("ca", ca), ("k", line), ("o", outFile));
            Assert.Empty(whatIf.Errors);
            Assert.Empty(whatIf.Output);
            Assert.False(File.Exists(outFile));
            Assert.Empty(TestHome.IssuedBy(ca));

            _ps.Ok("New-SshKmsCertificate -CaKey $ca -PublicKey $k -CertificateType Host -Principal web1.example -Validity '7d' -OutFile $o", ("ca", ca), ("k", line), ("o", outFile));
            Assert.Equal("Host", ((CertificateInfo)Assert.Single(_ps.Ok("Get-SshCertificate $o", ("o", outFile))).BaseObject).Type);
            Assert.Single(TestHome.IssuedBy(ca));
        }

        [Fact]
        public void PipedFilesAreCertifiedOnceAndTheCertificatesTheyProducedAreSkippedOnTheNextRun()
        {
            using var dir = new TempDir();
            string ca = NewCa();
            NewPublicKeyFile(dir, "a.pub");
            NewPublicKeyFile(dir, "b.pub", SshKeyAlgorithm.EcdsaP256);
            string glob = Path.Combine(dir.Path, "*.pub");
            Assert.Equal(2, _ps.Ok("Get-ChildItem $g | New-SshKmsCertificate -CaKey $ca -Principal ec2-user", ("g", glob), ("ca", ca)).Count);
            // Now the folder also holds a-cert.pub and b-cert.pub: they are skipped, not certified.
            Assert.Equal(2, _ps.Ok("Get-ChildItem $g | New-SshKmsCertificate -CaKey $ca -Principal ec2-user", ("g", glob), ("ca", ca)).Count);
            Assert.Equal(new[] { "ec2-user" }, ((CertificateInfo)_ps.Ok("Get-SshCertificate $p", ("p", dir.File("a-cert.pub")))[0].BaseObject).Principals);
            // A single FileInfo piped binds to -PublicKey by value; it is still read as the path.
            _ps.Ok("Get-Item $p | New-SshKmsCertificate -CaKey $ca -Principal one -OutFile $o", ("p", dir.File("a.pub")), ("ca", ca), ("o", dir.File("one-cert.pub")));
            Assert.Equal(new[] { "one" }, ((CertificateInfo)_ps.Ok("Get-SshCertificate $p", ("p", dir.File("one-cert.pub")))[0].BaseObject).Principals);
        }

        [Fact]
        public void PublicKeyTakesAnSshPublicKeyOrAnObjectWithAPublicKeyProperty()
        {
            string ca = NewCa();
            SshPublicKey key = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519).PublicKey;
            SshCertificate cert = (SshCertificate)Assert.Single(_ps.Ok(
                "$k | New-SshKmsCertificate -CaKey $ca -AnyPrincipal -NoExtensions -Serial 99", ("k", key), ("ca", ca))).BaseObject;
            Assert.Equal(99UL, cert.Serial);
            Assert.Empty(cert.Principals);
            Assert.Empty(cert.Extensions);

            SshCertificate fromObject = (SshCertificate)Assert.Single(_ps.Ok(
                "[pscustomobject]@{ SecretId = 'ops/deploy'; PublicKey = $k.ToString() } | New-SshKmsCertificate -CaKey $ca -Principal deploy",
                ("k", key), ("ca", ca))).BaseObject;
            Assert.Equal(key.Fingerprint, fromObject.Key.Fingerprint);
            Assert.Equal("PublicKeyInvalid", _ps.Run("[pscustomobject]@{ PublicKey = 5 } | New-SshKmsCertificate -CaKey $ca -Principal a", ("ca", ca)).ErrorId);
        }

        [Fact]
        public void AnOutFileThatCannotBeWrittenIsRefusedBeforeAnythingIsSigned()
        {
            using var dir = new TempDir();
            string ca = NewCa();
            RunResult r = _ps.Run("New-SshKmsCertificate -CaKey $ca -PublicKey $k -Principal a -OutFile $o",
                ("ca", ca), ("k", SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519).PublicKey.ToString()), ("o", Path.Combine(dir.File("no-such-folder"), "x-cert.pub")));
            Assert.Equal("FileWriteFailed", r.ErrorId);
            Assert.Empty(TestHome.IssuedBy(ca));
        }

        [Theory]
        [InlineData("New-SshKmsCertificate -CaKey $ca -PublicKeyPath $missing -Principal a", "PublicKeyFileNotFound")]
        [InlineData("New-SshKmsCertificate -CaKey $ca -PublicKey $k -Principal a -Validity forever", "CertificateValidityInvalid")]
        [InlineData("New-SshKmsCertificate -CaKey $ca -PublicKey $k -Principal a -Validity 30d", "CertificateValidityInvalid")]
        [InlineData("New-SshKmsCertificate -CaKey $ca -PublicKey 42 -Principal a", "PublicKeyInvalid")]
        [InlineData("New-SshKmsCertificate -CaKey 'local:bad name' -PublicKey $k -Principal a", "KeyUriInvalid")]
        [InlineData("Get-SshCertificate -Certificate 'ssh-ed25519 AAAA'", "SshCertificateInvalid")]
        [InlineData("Get-SshCertificate -Path $missing", "CertificateFileNotFound")]
        public void BadInputIsOneErrorRecordWithAStableErrorId(string script, string errorId)
        {
            using var dir = new TempDir();
            string ca = NewCa();
            RunResult r = _ps.Run(script, ("ca", ca), ("k", SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519).PublicKey.ToString()), ("missing", dir.File("nope-cert.pub")));
            Assert.Equal(errorId, r.ErrorId);
            Assert.IsType<SshKms.Core.SshKmsException>(r.Error.Exception, exactMatch: false);
            Assert.Empty(r.Output);
        }

        [Fact]
        public void GetSshCertificateReadsSshKeygenCertificatesFieldForField()
        {
            using var dir = new TempDir();
            string ca = dir.File("ca");
            string user = dir.File("user");
            Tool.Check("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ca);
            Tool.Check("ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-f", user);
            Tool.Check("ssh-keygen", "-q", "-s", ca, "-I", "keygen-id", "-n", "alice,bob", "-z", "4242", "-V", "20300101000000Z:20300102000000Z",
                "-O", "clear", "-O", "permit-pty", "-O", "force-command=/bin/true", user + ".pub");
            var info = (CertificateInfo)Assert.Single(_ps.Ok("Get-Content -Raw $p | Get-SshCertificate", ("p", user + "-cert.pub"))).BaseObject;
            Assert.Equal("keygen-id", info.KeyId);
            Assert.Equal(4242UL, info.Serial);
            Assert.Equal(new[] { "alice", "bob" }, info.Principals);
            Assert.Equal(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), info.ValidFrom);
            Assert.Equal(new DateTimeOffset(2030, 1, 2, 0, 0, 0, TimeSpan.Zero), info.ValidTo);
            Assert.Equal(new[] { "permit-pty" }, info.Extensions);
            Assert.Equal("/bin/true", info.CriticalOptions["force-command"]);
            Assert.Equal("ssh-ed25519", info.SignatureAlgorithm);
            Assert.Equal(SshPublicKey.Parse(File.ReadAllText(ca + ".pub")).Fingerprint, info.SigningCaFingerprint);
        }

        [Fact]
        public void NewCaKeyAndTheCaPublicKeyLinesForUsersAndHosts()
        {
            string ca = TestHome.NewLocalKey("cmdlet-ca");
            var info = (CaKeyInfo)Assert.Single(_ps.Ok("New-SshKmsCaKey -CaKey $ca -KeySpec ECC_NIST_P384", ("ca", ca))).BaseObject;
            Assert.Equal(ca, info.KeyUri);
            string line = (string)Assert.Single(_ps.Ok("Get-SshKmsCaPublicKey -CaKey $ca", ("ca", ca))).BaseObject;
            Assert.StartsWith("ecdsa-sha2-nistp384 ", line);
            Assert.Equal(info.Fingerprint, SshPublicKey.Parse(line).Fingerprint);
            Assert.Equal("@cert-authority * " + line, (string)Assert.Single(_ps.Ok("Get-SshKmsCaPublicKey -CaKey $ca -ForHost", ("ca", ca))).BaseObject);
            Assert.Equal("LocalKeyExists", _ps.Run("New-SshKmsCaKey -CaKey $ca", ("ca", ca)).ErrorId);
        }

        [Fact]
        public void AReadNeverCreatesAKeyAndNamesTheCommandThatDoes()
        {
            string typo = TestHome.NewLocalKey("typo");
            RunResult r = _ps.Run("Get-SshKmsCaPublicKey -CaKey $ca", ("ca", typo));
            Assert.Equal("KeyNotFound", r.ErrorId);
            Assert.Contains("New-SshKmsCaKey", r.Error.Exception.Message);
            Assert.Equal(ErrorCategory.ObjectNotFound, r.Error.CategoryInfo.Category);
            Assert.False(File.Exists(TestHome.KeyFile(typo.Substring("local:".Length))));
        }

        [Fact]
        public void SigningWithAMissingNamedKeyFailsUnlessCreateIsGivenWhichWarnsWithFileAndFingerprint()
        {
            string ca = TestHome.NewLocalKey("on-use");
            string file = TestHome.KeyFile(ca.Substring("local:".Length));
            string line = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519).PublicKey.ToString();
            RunResult missing = _ps.Run("New-SshKmsCertificate -CaKey $ca -PublicKey $k -Principal a", ("ca", ca), ("k", line));
            Assert.Equal("KeyNotFound", missing.ErrorId);
            Assert.Contains("create it on first use", missing.Error.Exception.Message);
            Assert.False(File.Exists(file));

            RunResult created = _ps.Run("New-SshKmsCertificate -CaKey $ca -PublicKey $k -Principal a -Create", ("ca", ca), ("k", line));
            Assert.Empty(created.Errors);
            string warning = Assert.Single(created.Warnings);
            Assert.Contains(file, warning);
            Assert.Contains(created.Single<SshCertificate>().SignatureKey.Fingerprint, warning);
            Assert.True(File.Exists(file));

            // The key exists now: no second warning, -Create or not.
            Assert.Empty(_ps.Run("New-SshKmsCertificate -CaKey $ca -PublicKey $k -Principal a -Create", ("ca", ca), ("k", line)).Warnings);
        }
    }
}
