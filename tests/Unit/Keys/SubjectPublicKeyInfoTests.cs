using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using SshKms.Core.OpenSsh;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Keys
{
    public class SubjectPublicKeyInfoTests
    {
        private static string PemOf(byte[] der) =>
            "-----BEGIN PUBLIC KEY-----\n" + Convert.ToBase64String(der, Base64FormattingOptions.InsertLineBreaks) + "\n-----END PUBLIC KEY-----\n";

        /// <summary>ssh-keygen -i -m PKCS8 is OpenSSH's own SPKI-to-OpenSSH conversion: ours must agree byte for byte.</summary>
        private static void AssertSshKeygenAgrees(byte[] der)
        {
            using var dir = new TempDir();
            File.WriteAllText(dir.File("key.pem"), PemOf(der));
            string theirs = Tool.Check("ssh-keygen", "-i", "-m", "PKCS8", "-f", dir.File("key.pem")).Trim();
            Assert.Equal(theirs, SubjectPublicKeyInfo.ToSshPublicKey(der).ToString());
        }

        [Theory]
        [InlineData(256)]
        [InlineData(384)]
        [InlineData(521)]
        public void EcKeys_MatchSshKeygen(int bits)
        {
            using ECDsa ecdsa = ECDsa.Create(bits == 256 ? ECCurve.NamedCurves.nistP256 : bits == 384 ? ECCurve.NamedCurves.nistP384 : ECCurve.NamedCurves.nistP521);
            AssertSshKeygenAgrees(ecdsa.ExportSubjectPublicKeyInfo());
        }

        [Theory]
        [InlineData(2048)]
        [InlineData(3072)]
        [InlineData(4096)]
        public void RsaKeys_MatchSshKeygen(int bits)
        {
            using RSA rsa = RSA.Create(bits);
            AssertSshKeygenAgrees(rsa.ExportSubjectPublicKeyInfo());
        }

        [Fact]
        public void Ed25519FromOpenssl_MatchesTheRawKey()
        {
            using var dir = new TempDir();
            Tool.Check("openssl", "genpkey", "-algorithm", "ed25519", "-out", dir.File("k.pem"));
            Tool.Check("openssl", "pkey", "-in", dir.File("k.pem"), "-pubout", "-outform", "DER", "-out", dir.File("pub.der"));
            byte[] der = File.ReadAllBytes(dir.File("pub.der"));
            SshPublicKey key = SubjectPublicKeyInfo.ToSshPublicKey(der, "c");
            Assert.Equal(SshKeyTypes.Ed25519, key.KeyType);
            Assert.Equal(der.Skip(der.Length - 32).ToArray(), key.Ed25519Key);
            Assert.Equal("c", key.Comment);
        }

        [Theory]
        [InlineData("secp256k1", "secp256k1")]
        [InlineData("brainpoolP256r1", "1.3.36.3.3.2.8.1.1.7")]
        public void OtherCurves_AreRefusedByName(string curve, string expected)
        {
            using var dir = new TempDir();
            Tool.Check("openssl", "ecparam", "-name", curve, "-genkey", "-noout", "-out", dir.File("k.pem"));
            Tool.Check("openssl", "ec", "-in", dir.File("k.pem"), "-pubout", "-outform", "DER", "-out", dir.File("pub.der"));
            var ex = Assert.Throws<SshFormatException>(() => SubjectPublicKeyInfo.ToSshPublicKey(File.ReadAllBytes(dir.File("pub.der"))));
            Assert.Equal("SshKeyTypeUnsupported", ex.ErrorId);
            Assert.Contains(expected, ex.Message);
        }

        [Fact]
        public void Ed448_IsRefusedWithItsOid()
        {
            var ex = Assert.Throws<SshFormatException>(() => SubjectPublicKeyInfo.ToSshPublicKey(
                Convert.FromHexString("3043300506032b6571033a00" + new string('1', 114))));
            Assert.Contains("1.3.101.113", ex.Message);
        }

        [Fact]
        public void MalformedSpki_IsAFormatError()
        {
            using ECDsa ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            byte[] good = ecdsa.ExportSubjectPublicKeyInfo();
            byte[] trailing = good.Concat(new byte[] { 0 }).ToArray();
            byte[] truncated = good.Take(good.Length - 1).ToArray();
            byte[] compressed = (byte[])good.Clone();
            compressed[good.Length - 65] = 0x02;
            byte[] unusedBits = (byte[])good.Clone();
            unusedBits[good.Length - 66] = 0x01;
            foreach (byte[] bad in new[] { trailing, truncated, compressed, unusedBits, Array.Empty<byte>(), new byte[] { 0x30, 0x00 } })
            {
                Assert.Throws<SshFormatException>(() => SubjectPublicKeyInfo.ToSshPublicKey(bad));
            }

            var random = new Random(7);
            for (int i = 0; i < 3000; i++)
            {
                byte[] input = (byte[])good.Clone();
                input[random.Next(input.Length)] = (byte)random.Next(256);
                try
                {
                    SubjectPublicKeyInfo.ToSshPublicKey(input);
                }
                catch (SshFormatException)
                {
                }
            }
        }
    }
}
