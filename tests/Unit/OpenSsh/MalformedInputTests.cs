using System;
using System.Collections.Generic;
using System.Linq;
using SshKms.Core;
using SshKms.Core.OpenSsh;
using Xunit;

namespace SshKms.Tests.OpenSsh
{
    /// <summary>Each way input can be broken gives an SshFormatException that says what was wrong.</summary>
    public class MalformedInputTests
    {
        private static readonly byte[] EdBlob = Samples.Ed25519.PublicKey.GetBlob();

        private static SshFormatException Fails(Action parse, string messagePart, string errorId = "SshFormatInvalid")
        {
            var error = Assert.Throws<SshFormatException>(parse);
            Assert.Equal(errorId, error.ErrorId);
            Assert.Contains(messagePart, error.Message);
            return error;
        }

        private static byte[] U32(uint v) => new SshWriter().WriteUInt32(v).ToArray();

        private static byte[] Str(string s) => new SshWriter().WriteString(s).ToArray();

        private static byte[] Bytes(params byte[] b) => new SshWriter().WriteBytes(b).ToArray();

        [Fact]
        public void TruncatedBlobs()
        {
            Fails(() => SshPublicKey.FromBlob(EdBlob.Take(EdBlob.Length - 1).ToArray()), "claims 32 bytes but only 31 remain");
            Fails(() => SshPublicKey.FromBlob(EdBlob.Take(2).ToArray()), "truncated: expected a uint32");
            Fails(() => SshPublicKey.FromBlob(Array.Empty<byte>()), "truncated");
            byte[] cert = Samples.Certificate(Samples.Ed25519).GetBlob();
            Fails(() => SshCertificate.FromBlob(cert.Take(cert.Length - 10).ToArray()), "Malformed certificate: signature claims");
        }

        [Fact]
        public void OversizedLengthFields()
        {
            Fails(() => SshPublicKey.FromBlob(Samples.Concat(U32(0xFFFFFFF0), new byte[8])), "key type claims 4294967280 bytes but only 8 remain");
            Fails(() => SshPublicKey.FromBlob(Samples.Concat(Str("ssh-ed25519"), U32(0x7FFFFFFF))), "ed25519 key claims 2147483647 bytes");
        }

        [Fact]
        public void WrongTypeNames()
        {
            Fails(() => SshPublicKey.FromBlob(Samples.Concat(Str("ssh-dss"), Bytes(1, 2))), "'ssh-dss' is not a supported key type", "SshKeyTypeUnsupported");
            Fails(() => SshPublicKey.Parse("ssh-foo AAAA"), "'ssh-foo' is not a supported key type", "SshKeyTypeUnsupported");
            Fails(() => SshCertificate.FromBlob(Samples.Concat(Str("ssh-dss-cert-v01@openssh.com"), new byte[8])), "not a supported certificate type", "SshKeyTypeUnsupported");
            Fails(() => SshPublicKey.Parse(Samples.Certificate(Samples.Ed25519).ToString()), "is a certificate", "SshPublicKeyIsCertificate");
            Fails(() => SshPublicKey.FromBlob(Samples.Certificate(Samples.Ed25519).GetBlob()), "is a certificate", "SshPublicKeyIsCertificate");
            Fails(() => SshCertificate.Parse(Samples.Ed25519.PublicKey.ToString()), "not an OpenSSH certificate type", "SshCertificateInvalid");
        }

        [Fact]
        public void TypeAndDataMismatch()
        {
            Fails(() => SshPublicKey.Parse("ssh-rsa " + Convert.ToBase64String(EdBlob)), "the line says 'ssh-rsa' but the key data is 'ssh-ed25519'", "SshKeyTypeMismatch");
            string certLine = Samples.Certificate(Samples.Ed25519).ToString();
            Fails(() => SshCertificate.Parse("ssh-rsa-cert-v01@openssh.com " + certLine.Split(' ')[1]), "the line says 'ssh-rsa-cert-v01@openssh.com'", "SshKeyTypeMismatch");
            Fails(() => SshPublicKey.FromBlob(Samples.Concat(Str("ecdsa-sha2-nistp256"), Str("nistp384"), Bytes(4))), "names curve 'nistp384'");
            Fails(() => SshPublicKey.FromBlob(Samples.Concat(Str("ssh-ed25519"), Bytes(1, 2, 3))), "an ed25519 key is 32 bytes, not 3");
            Fails(() => SshPublicKey.FromBlob(Samples.Concat(Str("ecdsa-sha2-nistp256"), Str("nistp256"), Bytes(new byte[65]))), "not an uncompressed nistp256 point");
        }

        [Theory]
        [InlineData("command=\"run ssh-rsa x\" {0} me", "me")]
        [InlineData("from=\"10.0.0.1\",command=\"echo \\\"ssh-rsa AAAA\\\"\" {0}", "")]
        [InlineData("@cert-authority *.example.com {0} ca", "ca")]
        [InlineData("{0}", "")]
        public void KeyTypeInsideQuotedOptionsIsNotTakenForTheKey(string format, string comment)
        {
            SshPublicKey key = SshPublicKey.Parse(string.Format(format, "ssh-ed25519 " + Convert.ToBase64String(EdBlob)));
            Assert.Equal(Samples.Ed25519.PublicKey, key);
            Assert.Equal(comment, key.Comment);
        }

        [Fact]
        public void TrailingBytes()
        {
            Fails(() => SshPublicKey.FromBlob(Samples.Concat(EdBlob, new byte[] { 0 })), "1 unexpected trailing byte(s)");
            Fails(() => SshCertificate.FromBlob(Samples.Concat(Samples.Certificate(Samples.Ed25519).GetBlob(), new byte[3])), "3 unexpected trailing byte(s)");
        }

        [Fact]
        public void BadBase64()
        {
            Fails(() => SshPublicKey.Parse("ssh-ed25519 AAAA%%%%"), "not valid base64", "SshBase64Invalid");
            Fails(() => SshCertificate.Parse("ssh-ed25519-cert-v01@openssh.com !!"), "not valid base64", "SshBase64Invalid");
            Fails(() => SshPrivateKey.ParseOpenSsh(Samples.Armor(new byte[] { 1 }).Replace("AQ==", "A*Q=")), "not valid base64", "SshBase64Invalid");
        }

        [Fact]
        public void NegativeAndZeroPaddedMpints()
        {
            byte[] Rsa(byte[] e) => Samples.Concat(Str("ssh-rsa"), e, Bytes(0x00, 0xC1, 0x01));
            Fails(() => SshPublicKey.FromBlob(Rsa(Bytes(0x81))), "RSA exponent is a negative mpint");
            Fails(() => SshPublicKey.FromBlob(Rsa(Bytes(0x00, 0x01))), "RSA exponent is an mpint with unnecessary leading zeros");
            Fails(() => SshPublicKey.FromBlob(Rsa(Bytes(0x00))), "unnecessary leading zeros");
            Fails(() => SshPublicKey.FromBlob(Rsa(Bytes())), "the RSA exponent or modulus is zero");
        }

        public static IEnumerable<object[]> BadOptions() => new[]
        {
            new object[] { new[] { "source-address", "force-command" }, "not in strictly sorted order ('source-address' then 'force-command')" },
            new object[] { new[] { "force-command", "force-command" }, "not in strictly sorted order ('force-command' then 'force-command')" },
        };

        [Theory]
        [MemberData(nameof(BadOptions))]
        public void UnsortedOrDuplicateCertificateOptions(string[] names, string message)
        {
            // The builder always sorts, so lay the options out by hand and splice them over the real ones.
            var packed = new SshWriter();
            foreach (string n in names)
            {
                packed.WriteString(n).WriteBytes(Str("x"));
            }

            byte[] cert = SpliceCriticalOptions(packed.ToArray());
            Fails(() => SshCertificate.FromBlob(cert), message);
        }

        [Fact]
        public void CertificateOptionValueWithTrailingBytes()
        {
            byte[] options = new SshWriter().WriteString("force-command").WriteBytes(Samples.Concat(Str("x"), new byte[] { 9 })).ToArray();
            Fails(() => SshCertificate.FromBlob(SpliceCriticalOptions(options)), "certificate option force-command: 1 unexpected trailing byte(s)");
        }

        [Fact]
        public void CertificateTypeOtherThanUserOrHost()
        {
            byte[] blob = Samples.Certificate(Samples.Ed25519).GetBlob();
            int typeOffset = 4 + "ssh-ed25519-cert-v01@openssh.com".Length + 4 + 32 + 4 + 32 + 8;
            blob[typeOffset + 3] = 3;
            Fails(() => SshCertificate.FromBlob(blob), "certificate type 3 is neither user (1) nor host (2)");
        }

        [Fact]
        public void CertificateWithUnframedSignature()
        {
            byte[] blob = Samples.Certificate(Samples.Ed25519).GetBlob();
            byte[] body = blob.Take(blob.Length - Samples.Ed25519.Sign(new byte[1]).Length - 4).ToArray();
            Fails(() => SshCertificate.FromBlob(Samples.Concat(body, Bytes(1, 2, 3))), "Malformed signature");
        }

        [Fact]
        public void PrivateKeyProblems()
        {
            Fails(() => SshPrivateKey.ParseOpenSsh("ssh-ed25519 AAAA"), "expected an OpenSSH private key", "SshPrivateKeyInvalid");
            Fails(() => SshPrivateKey.ParseOpenSsh(Samples.Armor(new byte[40])), "the openssh-key-v1 magic is missing", "SshPrivateKeyInvalid");

            byte[] good = Samples.Unarmor(Samples.Ed25519.ToOpenSshFormat());
            byte[] badCheck = (byte[])good.Clone();
            int checkOffset = IndexOfPrivateSection(good);
            badCheck[checkOffset] ^= 0xFF;
            var error = Fails(() => SshPrivateKey.ParseOpenSsh(Samples.Armor(badCheck)), "check values differ");
            Assert.DoesNotContain(Convert.ToBase64String(good), error.Message);
        }

        public static IEnumerable<object[]> BadRsaPrivateParts()
        {
            var rsa = System.Security.Cryptography.RSA.Create(2048);
            var p = rsa.ExportParameters(true);
            byte[] big = Enumerable.Repeat((byte)0x7F, 300).ToArray();
            yield return new object[] { "p is zero", new[] { p.D!, p.InverseQ!, Array.Empty<byte>(), p.Q! }, "the RSA primes are not valid" };
            yield return new object[] { "q is one", new[] { p.D!, p.InverseQ!, p.P!, new byte[] { 1 } }, "the RSA primes are not valid" };
            yield return new object[] { "d too long", new[] { big, p.InverseQ!, p.P!, p.Q! }, "Malformed private key" };
            yield return new object[] { "iqmp too long", new[] { p.D!, big, p.P!, p.Q! }, "Malformed private key" };
            yield return new object[] { "p too long", new[] { p.D!, p.InverseQ!, big, p.Q! }, "Malformed private key" };
            yield return new object[] { "wrong key", new[] { p.D!, p.InverseQ!, p.P!, p.Q! }, "Malformed private key" };
        }

        [Theory]
        [MemberData(nameof(BadRsaPrivateParts))]
        public void RsaPrivateKeyWithBadPartsIsMalformed(string what, byte[][] dIqmpPQ, string message)
        {
            // The public half is a different key's: the parse must fail before or at the consistency check.
            SshPublicKey pub = Samples.Rsa.PublicKey;
            var priv = new SshWriter().WriteUInt32(7).WriteUInt32(7).WriteString("ssh-rsa")
                .WriteMpint(pub.RsaModulus!).WriteMpint(pub.RsaExponent!);
            foreach (byte[] part in dIqmpPQ)
            {
                priv.WriteMpint(part);
            }

            priv.WriteString(string.Empty);
            for (byte pad = 1; priv.Length % 8 != 0; pad++)
            {
                priv.WriteByte(pad);
            }

            byte[] binary = PrivateKeyFile(pub.GetBlob(), priv.ToArray());
            var error = Assert.ThrowsAny<SshKmsException>(() => SshPrivateKey.ParseOpenSsh(Samples.Armor(binary)).Dispose());
            Assert.True(error.Message.Contains(message), $"{what}: {error.Message}");
        }

        [Fact]
        public void SignatureStatusSaysWhatIsWrong()
        {
            SshPublicKey ecKey = Samples.Keys[1].PublicKey;
            byte[] rsaSig = Samples.Rsa.Sign(Samples.Message, SshSignature.RsaSha256);
            Assert.Equal(SshSignatureStatus.AlgorithmMismatch, SshSignatureVerifier.Check(ecKey, Samples.Message, rsaSig));
            Assert.Equal(SshSignatureStatus.AlgorithmMismatch, SshSignatureVerifier.Check(Samples.Rsa.PublicKey, Samples.Message, Samples.Ed25519.Sign(Samples.Message)));
            Assert.Equal(SshSignatureStatus.Invalid, SshSignatureVerifier.Check(Samples.Ed25519.PublicKey, Samples.Message, Samples.Ed25519.Sign(new byte[] { 1 })));
            Assert.Equal(SshSignatureStatus.Malformed, SshSignatureVerifier.Check(Samples.Ed25519.PublicKey, Samples.Message, SshSignature.Encode("ssh-ed25519", new byte[63])));
            Assert.Equal(SshSignatureStatus.Malformed, SshSignatureVerifier.Check(ecKey, Samples.Message, SshSignature.Encode(ecKey.KeyType, Samples.Concat(Bytes(0x80), Bytes(1)))));
            Assert.Equal(SshSignatureStatus.Malformed, SshSignatureVerifier.Check(ecKey, Samples.Message, new byte[] { 0, 0, 0 }));
            Assert.Equal(SshSignatureStatus.UnsupportedKeyType, SshSignatureVerifier.Check(SshPublicKey.FromBlob(Samples.SkEd25519Blob), Samples.Message, Samples.Ed25519.Sign(Samples.Message)));

            var error = Assert.Throws<SshFormatException>(() => SshSignatureVerifier.EnsureValid(ecKey, Samples.Message, rsaSig, "test"));
            Assert.Equal("SshSignatureAlgorithmMismatch", error.ErrorId);
            Assert.Contains("does not belong to the ecdsa-sha2-nistp256 key", error.Message);
        }

        [Fact]
        public void EcdsaSignatureConvertsToP1363AndBack()
        {
            foreach (var (key, blob) in Samples.Signatures.Where(x => x.Key.Curve != null))
            {
                SshSignature.Split(blob, out byte[] raw);
                int size = SshKeyTypes.EcdsaCoordinateLength(key.Curve!);
                Assert.Equal(raw, SshSignature.EcdsaFromP1363(SshSignature.EcdsaToP1363(raw, size)));
            }

            Fails(() => SshSignature.EcdsaToP1363(Samples.Concat(Bytes(1), Bytes()), 32), "r or s is zero");
            Fails(() => SshSignature.EcdsaToP1363(Samples.Concat(Bytes(new byte[33]), Bytes(1)), 32), "unnecessary leading zeros");
            Fails(() => SshSignature.EcdsaToP1363(Samples.Concat(Bytes(Enumerable.Repeat((byte)1, 33).ToArray()), Bytes(1)), 32), "longer than 32 bytes");
        }

        [Fact]
        public void RsaKeysUnder1024BitsAreRefused()
        {
            using var small = SshPrivateKey.FromRsa(System.Security.Cryptography.RSA.Create(1016));
            byte[] signature = small.Sign(Samples.Message);
            Assert.Equal(SshSignatureStatus.KeyTooSmall, SshSignatureVerifier.Check(small.PublicKey, Samples.Message, signature));
            var error = Assert.Throws<SshFormatException>(() => SshSignatureVerifier.EnsureValid(small.PublicKey, Samples.Message, signature, "test"));
            Assert.Equal("SshSignatureKeyTooSmall", error.ErrorId);
            Assert.Contains("1016-bit RSA key is below the 1024-bit minimum", error.Message);
        }

        [Fact]
        public void RsaSignatureShorterThanTheModulusStillVerifies()
        {
            // About one RSA signature in 256 starts with a zero byte; OpenSSH may send it without that byte.
            for (int i = 0; i < 2000; i++)
            {
                byte[] message = BitConverter.GetBytes(i);
                string algorithm = SshSignature.Split(Samples.Rsa.Sign(message), out byte[] raw);
                if (raw[0] == 0)
                {
                    Assert.True(Samples.Rsa.PublicKey.Verify(message, SshSignature.Encode(algorithm, raw.Skip(1).ToArray())));
                    return;
                }
            }

            Assert.Fail("no RSA signature with a leading zero byte in 2000 tries");
        }

        /// <summary>A copy of the sample certificate with its critical options field replaced (signature no longer valid, which parsing ignores).</summary>
        private static byte[] SpliceCriticalOptions(byte[] options)
        {
            SshCertificate cert = Samples.Certificate(Samples.Ed25519);
            byte[] blob = cert.GetBlob();
            byte[] original = SshCertificate.PackOptions(cert.CriticalOptions);
            byte[] needle = Samples.Concat(U32((uint)original.Length), original);
            int at = Samples.IndexOf(blob, needle);
            return Samples.Concat(blob.Take(at).ToArray(), Bytes(options), blob.Skip(at + needle.Length).ToArray());
        }

        private static byte[] PrivateKeyFile(byte[] publicBlob, byte[] privateSection) =>
            new SshWriter().WriteRaw(System.Text.Encoding.ASCII.GetBytes("openssh-key-v1\0")).WriteString("none").WriteString("none")
                .WriteBytes(Array.Empty<byte>()).WriteUInt32(1).WriteBytes(publicBlob).WriteBytes(privateSection).ToArray();

        /// <summary>Offset of the first check value in an unencrypted key file.</summary>
        private static int IndexOfPrivateSection(byte[] binary)
        {
            var r = new SshReader(binary, 15, binary.Length - 15, "test");
            r.ReadBytes("cipher");
            r.ReadBytes("kdf");
            r.ReadBytes("kdf options");
            r.ReadUInt32();
            r.ReadBytes("public");
            r.ReadUInt32();
            return binary.Length - r.Remaining;
        }
    }
}
