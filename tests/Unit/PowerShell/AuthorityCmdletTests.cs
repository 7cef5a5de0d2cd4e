using System;
using System.IO;
using System.Linq;
using SshKms.Core;
using SshKms.Core.Authority;
using SshKms.Core.OpenSsh;
using SshKms.PowerShell.Authority;
using SshKms.Tests.Authority;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.PowerShell
{
    /// <summary>The cmdlets' internal methods, with a CA over an in-memory key (see InMemorySigningKey).</summary>
    public class AuthorityCmdletTests
    {
        [Fact]
        public void NewCertificateWritesCertBesideTheKeyAndGetCertificateReadsItBack()
        {
            using var dir = new TempDir();
            string pub = dir.File("id_ed25519.pub");
            using var subject = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "me@box");
            File.WriteAllText(pub, subject.PublicKey + "\n");
            var cmdlet = new NewSshKmsCertificate
            {
                Principal = new[] { "ec2-user" },
                Validity = "1h30m",
                ForceCommand = "uptime",
                SourceAddress = "10.0.0.0/8",
                KeyId = "{caller}/{principal}",
            };
            string? wrote = null;
            SshCertificate cert = cmdlet.Issue(() => TestCa.Create("cmdlet-ca"), pub, null, p => { wrote = p; return true; })!;

            Assert.Equal(dir.File("id_ed25519-cert.pub"), wrote);
            Assert.Equal(cert.ToString(), File.ReadAllText(wrote!).Trim());
            Assert.Equal(TimeSpan.FromMinutes(90), cert.ValidTo!.Value - cert.ValidFrom);
            CertificateInfo info = GetSshCertificate.FromFile(wrote!);
            Assert.Equal("User", info.Type);
            Assert.Equal(TestCa.Operator + "/ec2-user", info.KeyId);
            Assert.Equal(new[] { "ec2-user" }, info.Principals);
            Assert.Equal("uptime", info.CriticalOptions["force-command"]);
            Assert.Equal("10.0.0.0/8", info.CriticalOptions["source-address"]);
            Assert.Equal(CertificatePolicy.DefaultUserExtensions, info.Extensions);
            Assert.Equal(TestCa.Key("cmdlet-ca").PublicKey.Fingerprint, info.SigningCaFingerprint);
            Assert.Equal("ecdsa-sha2-nistp256", info.SignatureAlgorithm);
            Assert.Equal(subject.PublicKey.Fingerprint, info.PublicKeyFingerprint);
            Assert.Equal(cert.ToString(), info.ToString());
            string listing = Tool.Check("ssh-keygen", "-L", "-f", wrote!);
            Assert.Contains("Serial: " + info.Serial, listing);
        }

        [Fact]
        public void WhatIfWritesNothingAndOutFileIsHonoured()
        {
            using var dir = new TempDir();
            using var subject = SshPrivateKey.Generate(SshKeyAlgorithm.EcdsaP256);
            var cmdlet = new NewSshKmsCertificate { PublicKey = subject.PublicKey.ToString(), CertificateType = SshCertificateType.Host, Principal = new[] { "web1.example" }, Validity = TimeSpan.FromDays(7) };
            string outFile = dir.File("host-cert.pub");
            // Declined (-WhatIf, or No at -Confirm): the CA is never opened, so nothing is signed or audited.
            SshCertificate? declined = cmdlet.Issue(() => throw new InvalidOperationException("the CA was opened under -WhatIf"), null, outFile, _ => false);
            Assert.Null(declined);
            Assert.False(File.Exists(outFile));
            cmdlet.Issue(() => TestCa.Create("cmdlet-ca"), null, outFile, _ => true);
            Assert.Equal(SshCertificateType.Host, GetSshCertificate.FromFile(outFile).Certificate.Type);
        }

        [Fact]
        public void APipedFileInfoIsTreatedAsThePublicKeyPath()
        {
            using var dir = new TempDir();
            string pub = dir.File("piped.pub");
            File.WriteAllText(pub, SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519).PublicKey + "\n");
            var cmdlet = new NewSshKmsCertificate { PublicKey = new FileInfo(pub), Principal = new[] { "ec2-user" } };
            string? wrote = null;
            cmdlet.Issue(() => TestCa.Create("cmdlet-ca"), null, null, p => { wrote = p; return true; });
            Assert.Equal(dir.File("piped-cert.pub"), wrote);
            Assert.Equal(new[] { "ec2-user" }, GetSshCertificate.FromFile(wrote!).Principals);
        }

        [Fact]
        public void PublicKeyAcceptsAnSshPublicKeyObject()
        {
            using var subject = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519);
            var cmdlet = new NewSshKmsCertificate { PublicKey = subject.PublicKey, AnyPrincipalSet = true, NoExtensionsSet = true, Serial = 99 };
            string? asked = null;
            SshCertificate cert = cmdlet.Issue(() => TestCa.Create("cmdlet-ca"), null, null, what => { asked = what; return true; })!;
            Assert.Equal($"ssh-ed25519 {subject.PublicKey.Fingerprint}", asked);
            Assert.Equal(99UL, cert.Serial);
            Assert.Empty(cert.Principals);
            Assert.Empty(cert.Extensions);
        }

        [Fact]
        public void PublicKeyTakesTheKeyFromAnObjectsPublicKeyProperty()
        {
            using var subject = SshPrivateKey.Generate(SshKeyAlgorithm.EcdsaP256);
            var keyPairLike = new { SecretId = "ops/deploy", PublicKey = subject.PublicKey.ToString() };
            var cmdlet = new NewSshKmsCertificate { PublicKey = keyPairLike, Principal = new[] { "deploy" } };
            SshCertificate cert = cmdlet.Issue(() => TestCa.Create("cmdlet-ca"), null, null, _ => true)!;
            Assert.Equal(subject.PublicKey.Fingerprint, cert.Key.Fingerprint);
            var noKey = new NewSshKmsCertificate { PublicKey = new { PublicKey = 5 }, Principal = new[] { "a" } };
            Assert.Equal("PublicKeyInvalid", Assert.Throws<SshKmsException>(() => noKey.Issue(() => TestCa.Create("cmdlet-ca"), null, null, _ => true)).ErrorId);
        }

        [Fact]
        public void AnOutFileThatCannotBeWrittenIsRefusedBeforeAnythingIsSigned()
        {
            using var dir = new TempDir();
            var cmdlet = new NewSshKmsCertificate { PublicKey = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519).PublicKey, Principal = new[] { "a" } };
            var ex = Assert.Throws<SshKmsException>(() => cmdlet.Issue(() => throw new InvalidOperationException("signed before the check"),
                null, Path.Combine(dir.File("no-such-folder"), "x-cert.pub"), _ => true));
            Assert.Equal("FileWriteFailed", ex.ErrorId);
            Assert.True(NewSshKmsCertificate.IsCertificateFile("/home/a/.ssh/id_ed25519-cert.pub"));
            Assert.False(NewSshKmsCertificate.IsCertificateFile("/home/a/.ssh/id_ed25519.pub"));
        }

        [Fact]
        public void BadInputGivesStableErrorIds()
        {
            using var dir = new TempDir();
            var ca = TestCa.Create("cmdlet-ca");
            var missing = new NewSshKmsCertificate { Principal = new[] { "a" } };
            Assert.Equal("PublicKeyFileNotFound", Assert.Throws<SshKmsException>(() => missing.Issue(() => ca, dir.File("nope.pub"), null, _ => true)).ErrorId);
            var badValidity = new NewSshKmsCertificate { PublicKey = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519).PublicKey, Principal = new[] { "a" }, Validity = "forever" };
            Assert.Equal("CertificateValidityInvalid", Assert.Throws<SshKmsException>(() => badValidity.Issue(() => ca, null, null, _ => true)).ErrorId);
            var unitLost = new NewSshKmsCertificate { PublicKey = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519).PublicKey, Principal = new[] { "a" }, Validity = 30m };
            Assert.Equal("CertificateValidityInvalid", Assert.Throws<SshKmsException>(() => unitLost.Issue(() => ca, null, null, _ => true)).ErrorId);
            var badKey = new NewSshKmsCertificate { PublicKey = 42, Principal = new[] { "a" } };
            Assert.Equal("PublicKeyInvalid", Assert.Throws<SshKmsException>(() => badKey.Issue(() => ca, null, null, _ => true)).ErrorId);
            Assert.Equal("SshCertificateInvalid", Assert.Throws<SshFormatException>(() => GetSshCertificate.FromText("ssh-ed25519 AAAA")).ErrorId);
            Assert.Equal("CertificateFileNotFound", Assert.Throws<SshKmsException>(() => GetSshCertificate.FromFile(dir.File("x-cert.pub"))).ErrorId);
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
            CertificateInfo info = GetSshCertificate.FromFile(user + "-cert.pub");
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
        public void CaPublicKeyLinesForUsersAndHosts()
        {
            var key = TestCa.Key("cmdlet-ca");
            Assert.Equal(key.PublicKey.ToString(), GetSshKmsCaPublicKey.Format(key, false));
            Assert.Equal("@cert-authority * " + key.PublicKey, GetSshKmsCaPublicKey.Format(key, true));
            var info = new CaKeyInfo(key);
            Assert.Equal("local:cmdlet-ca", info.KeyUri);
            Assert.Equal(key.PublicKey.Fingerprint, info.Fingerprint);
        }
    }
}
