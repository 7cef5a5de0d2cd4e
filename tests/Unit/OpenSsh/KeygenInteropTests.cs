using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using SshKms.Core;
using SshKms.Core.OpenSsh;
using Xunit;

namespace SshKms.Tests.OpenSsh
{
    /// <summary>Keys, certificates and signatures exchanged with the real ssh-keygen, in both directions.</summary>
    public class KeygenInteropTests
    {
        public static IEnumerable<object?[]> KeygenKeyTypes() => new[]
        {
            new object?[] { "ed25519", null },
            new object?[] { "ecdsa", 256 },
            new object?[] { "ecdsa", 384 },
            new object?[] { "ecdsa", 521 },
            new object?[] { "rsa", 2048 },
            new object?[] { "rsa", 3072 },
        };

        [Theory]
        [MemberData(nameof(KeygenKeyTypes))]
        public void FingerprintAndBitsMatchSshKeygen(string type, int? bits)
        {
            using var keygen = new SshKeygen();
            string path = keygen.Generate("k", type, bits);
            SshPublicKey key = SshPublicKey.Parse(File.ReadAllText(path + ".pub"));

            string[] line = keygen.Run("-l", "-E", "sha256", "-f", path + ".pub").Trim().Split(' ');
            Assert.Equal(line[1], key.Fingerprint);
            Assert.Equal(int.Parse(line[0]), key.Bits);
            Assert.Equal("k", key.Comment);
        }

        [Theory]
        [InlineData("ed25519", null, null, "ssh-ed25519")]
        [InlineData("ecdsa", 256, null, "ecdsa-sha2-nistp256")]
        [InlineData("ecdsa", 384, null, "ecdsa-sha2-nistp384")]
        [InlineData("ecdsa", 521, null, "ecdsa-sha2-nistp521")]
        [InlineData("rsa", 2048, null, "rsa-sha2-512")]
        [InlineData("rsa", 2048, "rsa-sha2-256", "rsa-sha2-256")]
        [InlineData("rsa", 2048, "ssh-rsa", "ssh-rsa")]
        public void UserCertificateFromSshKeygenReadsFieldForFieldAndVerifies(string caType, int? caBits, string? sigAlg, string expectedAlg)
        {
            using var keygen = new SshKeygen();
            string ca = keygen.Generate("ca", caType, caBits);
            string user = keygen.Generate("user", "ecdsa", 384);
            long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var args = new List<string> { "-q", "-s", ca, "-I", "alice@example", "-n", "a,b", "-V", "-5m:+1h", "-z", "7",
                "-O", "force-command=x", "-O", "source-address=10.0.0.0/8,127.0.0.1", "-O", "verify-required", "-O", "no-pty" };
            if (sigAlg != null)
            {
                args.AddRange(new[] { "-t", sigAlg });
            }

            args.Add(user + ".pub");
            keygen.Run(args.ToArray());

            SshCertificate cert = SshCertificate.Parse(File.ReadAllText(user + "-cert.pub"));
            Assert.Equal("ecdsa-sha2-nistp384-cert-v01@openssh.com", cert.CertificateKeyType);
            Assert.Equal(SshPublicKey.Parse(File.ReadAllText(user + ".pub")).GetBlob(), cert.Key.GetBlob());
            Assert.Equal(SshCertificateType.User, cert.Type);
            Assert.Equal("alice@example", cert.KeyId);
            Assert.Equal(7UL, cert.Serial);
            Assert.Equal(new[] { "a", "b" }, cert.Principals);
            Assert.InRange((long)cert.ValidAfter, now - 300 - 5, now - 300 + 5);
            Assert.Equal(cert.ValidAfter + 3900, cert.ValidBefore);
            Assert.Equal(
                new[] { Kv("force-command", "x"), Kv("source-address", "10.0.0.0/8,127.0.0.1"), Kv("verify-required", "") },
                cert.CriticalOptions);
            Assert.Equal(
                new[] { "permit-X11-forwarding", "permit-agent-forwarding", "permit-port-forwarding", "permit-user-rc" },
                cert.Extensions.Select(e => e.Key));
            Assert.All(cert.Extensions, e => Assert.Equal(string.Empty, e.Value));
            Assert.Equal(SshPublicKey.Parse(File.ReadAllText(ca + ".pub")).Fingerprint, cert.SignatureKey.Fingerprint);
            Assert.Equal(expectedAlg, cert.SignatureAlgorithm);
            Assert.Equal(KeygenFormats.Listing(cert), KeygenFormats.Normalise(keygen.Run("-L", "-f", user + "-cert.pub")));

            Assert.True(cert.VerifySignature());
            Assert.True(cert.IsValidAt(DateTimeOffset.UtcNow));
            Assert.False(cert.IsValidAt(DateTimeOffset.UtcNow.AddHours(2)));
            cert.Validate(DateTimeOffset.UtcNow);
            Assert.Equal("SshCertificateExpired", Assert.Throws<SshKmsException>(() => cert.Validate(DateTimeOffset.UtcNow.AddHours(2))).ErrorId);
            Assert.Equal("SshCertificateNotYetValid", Assert.Throws<SshKmsException>(() => cert.Validate(DateTimeOffset.UtcNow.AddHours(-2))).ErrorId);
        }

        [Fact]
        public void HostCertificateFromSshKeygenReadsBackAndVerifies()
        {
            using var keygen = new SshKeygen();
            string ca = keygen.Generate("ca", "rsa", 2048);
            string host = keygen.Generate("host", "ed25519");
            keygen.Run("-q", "-s", ca, "-h", "-I", "web1", "-n", "web1.example,10.1.2.3", "-V", "20200101:20300101", "-z", "99", host + ".pub");

            SshCertificate cert = SshCertificate.Parse(File.ReadAllText(host + "-cert.pub"));
            Assert.Equal(SshCertificateType.Host, cert.Type);
            Assert.Equal("web1", cert.KeyId);
            Assert.Equal(99UL, cert.Serial);
            Assert.Equal(new[] { "web1.example", "10.1.2.3" }, cert.Principals);
            Assert.Equal(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), cert.ValidFrom);
            Assert.Equal(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), cert.ValidTo);
            Assert.Empty(cert.CriticalOptions);
            Assert.Empty(cert.Extensions);
            Assert.Equal(KeygenFormats.Listing(cert), KeygenFormats.Normalise(keygen.Run("-L", "-f", host + "-cert.pub")));
            Assert.True(cert.VerifySignature());
        }

        [Theory]
        [InlineData("ed25519", null)]
        [InlineData("ecdsa", 521)]
        [InlineData("rsa", 2048)]
        public void TamperedSshKeygenCertificateDoesNotVerify(string caType, int? caBits)
        {
            using var keygen = new SshKeygen();
            string ca = keygen.Generate("ca", caType, caBits);
            string user = keygen.Generate("user", "ed25519");
            keygen.Run("-q", "-s", ca, "-I", "id", "-n", "root", user + ".pub");
            byte[] blob = SshCertificate.Parse(File.ReadAllText(user + "-cert.pub")).GetBlob();

            // One flipped byte in the nonce (signed), in the key id (signed) and in the signature itself: none verify.
            int keyIdOffset = Samples.IndexOf(blob, Encoding.ASCII.GetBytes("\0\0\0\u0002id")) + 4;
            foreach (int offset in new[] { 40, keyIdOffset, blob.Length - 1 })
            {
                byte[] tampered = (byte[])blob.Clone();
                tampered[offset] ^= 0x01;
                SshCertificate cert = SshCertificate.FromBlob(tampered);
                Assert.False(cert.VerifySignature(), $"tampering byte {offset} went unnoticed");
                Assert.Equal("SshSignatureInvalid", Assert.Throws<SshFormatException>(() => cert.Validate(DateTimeOffset.UtcNow)).ErrorId);
            }

            Assert.True(SshCertificate.FromBlob(blob).VerifySignature());
        }

        public static IEnumerable<object?[]> CaKinds() => new[]
        {
            new object?[] { SshKeyAlgorithm.Ed25519, null },
            new object?[] { SshKeyAlgorithm.EcdsaP256, null },
            new object?[] { SshKeyAlgorithm.EcdsaP384, null },
            new object?[] { SshKeyAlgorithm.EcdsaP521, null },
            new object?[] { SshKeyAlgorithm.Rsa2048, SshSignature.RsaSha512 },
            new object?[] { SshKeyAlgorithm.Rsa2048, SshSignature.RsaSha256 },
            new object?[] { SshKeyAlgorithm.Rsa2048, SshSignature.RsaSha1 },
        };

        [Theory]
        [MemberData(nameof(CaKinds))]
        public void CertificateWeBuildIsReadBySshKeygenWithTheSameFields(SshKeyAlgorithm caAlgorithm, string? sigAlg)
        {
            using var keygen = new SshKeygen();
            using var ca = SshPrivateKey.Generate(caAlgorithm, "ca");
            using var user = SshPrivateKey.Generate(SshKeyAlgorithm.EcdsaP256, "user");
            var builder = new SshCertificateBuilder(user.PublicKey, ca.PublicKey)
            {
                Serial = 123456789012345UL,
                KeyId = "alice via sshkms",
                ValidAfter = 1700000000,
                ValidBefore = 1700003600,
                Comment = "alice",
            };
            builder.Principals.Add("alice");
            builder.Principals.Add("admin");
            builder.CriticalOptions.Add(Kv("verify-required", ""));
            builder.CriticalOptions.Add(Kv("source-address", "192.0.2.0/24"));
            builder.CriticalOptions.Add(Kv("force-command", "/usr/bin/true"));
            builder.Extensions.Add(Kv("permit-pty", ""));
            builder.Extensions.Add(Kv("permit-agent-forwarding", ""));

            SshCertificate cert = builder.Complete(ca.Sign(builder.GetBytesToSign(), sigAlg));
            Assert.Equal(new[] { "force-command", "source-address", "verify-required" }, cert.CriticalOptions.Select(o => o.Key));
            Assert.Equal(new[] { "permit-agent-forwarding", "permit-pty" }, cert.Extensions.Select(o => o.Key));
            Assert.Equal(sigAlg ?? ca.KeyType, cert.SignatureAlgorithm);
            Assert.True(cert.VerifySignature());

            // ssh-keygen checks the CA signature while it parses, so reading the file at all proves the signature.
            string path = keygen.Write("user-cert.pub", cert + "\n");
            Assert.Equal(KeygenFormats.Listing(cert), KeygenFormats.Normalise(keygen.Run("-L", "-f", path)));
            Assert.Contains("Valid: from 2023-11-14T22:13:20 to 2023-11-14T23:13:20", keygen.Run("-L", "-f", path));
        }

        [Fact]
        public void SecurityKeyPublicKeysParseAndCanBeCertified()
        {
            using var keygen = new SshKeygen();
            using var ca = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "ca");
            using var ec = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
            var q = ec.ExportParameters(false).Q;
            byte[] point = new byte[] { 4 }.Concat(q.X!).Concat(q.Y!).ToArray();
            byte[] edBlob = new SshWriter().WriteString(SshKeyTypes.SkEd25519).WriteBytes(ca.PublicKey.Ed25519Key!).WriteString("ssh:").ToArray();
            byte[] ecBlob = new SshWriter().WriteString(SshKeyTypes.SkEcdsaP256).WriteString("nistp256").WriteBytes(point).WriteString("ssh:").ToArray();

            foreach (byte[] blob in new[] { edBlob, ecBlob })
            {
                string type = new SshReader(blob, "test").ReadString("type");
                string line = $"{type} {Convert.ToBase64String(blob)} token";
                SshPublicKey key = SshPublicKey.Parse(line);
                Assert.True(key.IsSecurityKey);
                Assert.Equal("ssh:", key.Application);
                Assert.Equal(256, key.Bits);

                string pubPath = keygen.Write("sk.pub", line + "\n");
                string[] fingerprint = keygen.Run("-l", "-E", "sha256", "-f", pubPath).Split(' ');
                Assert.Equal(fingerprint[1], key.Fingerprint);

                var builder = new SshCertificateBuilder(key, ca.PublicKey) { KeyId = "token", ValidBefore = SshCertificate.Forever };
                builder.Principals.Add("alice");
                builder.Extensions.Add(Kv("no-touch-required", ""));
                SshCertificate ours = builder.Complete(ca.Sign(builder.GetBytesToSign()));
                Assert.Equal(SshKeyTypes.CertificateTypeFor(type), ours.CertificateKeyType);
                Assert.True(ours.VerifySignature());
                string certPath = keygen.Write("ours-cert.pub", ours + "\n");
                Assert.Equal(KeygenFormats.Listing(ours), KeygenFormats.Normalise(keygen.Run("-L", "-f", certPath)));

                // And the other way: ssh-keygen certifies the sk key, we read and verify its certificate.
                string caPath = keygen.Write("ca", ca.ToOpenSshFormat());
                keygen.Run("-q", "-s", caPath, "-I", "theirs", "-n", "bob", pubPath);
                SshCertificate theirs = SshCertificate.Parse(File.ReadAllText(keygen.PathOf("sk-cert.pub")));
                Assert.Equal(key, theirs.Key);
                Assert.True(theirs.VerifySignature());
                File.Delete(caPath);
                File.Delete(keygen.PathOf("sk-cert.pub"));
            }
        }

        [Theory]
        [MemberData(nameof(KeygenKeyTypes))]
        public void SshKeygenPrivateKeysParseAndTheirSignaturesAgreeBothWays(string type, int? bits)
        {
            using var keygen = new SshKeygen();
            string path = keygen.Generate("signer", type, bits);
            using SshPrivateKey key = SshPrivateKey.ParseOpenSsh(File.ReadAllText(path));
            SshPublicKey pub = SshPublicKey.Parse(File.ReadAllText(path + ".pub"));
            Assert.Equal(pub, key.PublicKey);
            Assert.Equal("signer", key.PublicKey.Comment);

            byte[] message = Encoding.UTF8.GetBytes("sign me " + type + bits);
            string?[] algorithms = type == "rsa" ? new string?[] { SshSignature.RsaSha512, SshSignature.RsaSha256, SshSignature.RsaSha1 } : new string?[] { null };
            foreach (string? algorithm in algorithms)
            {
                byte[] signature = key.Sign(message, algorithm);
                Assert.True(pub.Verify(message, signature));
                Assert.False(pub.Verify(Encoding.UTF8.GetBytes("something else"), signature));
            }

            // Our signature, checked by ssh-keygen -Y verify.
            File.WriteAllBytes(keygen.PathOf("msg"), message);
            keygen.Write("msg.sig", KeygenFormats.SshSig(key, "file", message));
            keygen.Write("allowed", $"signer@example {pub.KeyType} {Convert.ToBase64String(pub.GetBlob())}\n");
            keygen.RunWithInput(Encoding.UTF8.GetString(message), "-Y", "verify", "-f", keygen.PathOf("allowed"), "-I", "signer@example", "-n", "file", "-s", keygen.PathOf("msg.sig"));

            // ssh-keygen's signature, checked by us.
            File.Delete(keygen.PathOf("msg.sig"));
            keygen.Run("-q", "-Y", "sign", "-f", path, "-n", "file", keygen.PathOf("msg"));
            var (signer, hash, theirs) = KeygenFormats.ReadSshSig(File.ReadAllText(keygen.PathOf("msg.sig")), "file");
            Assert.Equal(pub, signer);
            Assert.Equal("sha512", hash);
            Assert.True(pub.Verify(KeygenFormats.SshSigSignedData("file", message), theirs));
            Assert.False(pub.Verify(KeygenFormats.SshSigSignedData("other", message), theirs));
        }

        [Theory]
        [InlineData("ed25519", null)]
        [InlineData("ecdsa", 256)]
        [InlineData("rsa", 2048)]
        public void PassphraseProtectedKeyIsRefusedWithItsOwnErrorId(string type, int? bits)
        {
            using var keygen = new SshKeygen();
            string path = keygen.Generate("locked", type, bits, passphrase: "correct horse");
            var error = Assert.Throws<SshKmsException>(() => SshPrivateKey.ParseOpenSsh(File.ReadAllText(path)));
            Assert.Equal("SshPrivateKeyEncrypted", error.ErrorId);
            Assert.DoesNotContain("correct horse", error.Message);
        }

        private static KeyValuePair<string, string> Kv(string k, string v) => new KeyValuePair<string, string>(k, v);
    }
}
