using System;
using System.Security.Cryptography;
using SshKms.Core.OpenSsh;
using Xunit;

namespace SshKms.Tests.Keys
{
    public class DerSignatureTests
    {
        [Theory]
        [InlineData(256)]
        [InlineData(384)]
        [InlineData(521)]
        public void DotNetDerSignatures_BecomeSshSignaturesThatVerify(int bits)
        {
            ECCurve curve = bits == 256 ? ECCurve.NamedCurves.nistP256 : bits == 384 ? ECCurve.NamedCurves.nistP384 : ECCurve.NamedCurves.nistP521;
            using ECDsa ecdsa = ECDsa.Create(curve);
            SshPublicKey publicKey = SshPrivateKey.FromEcdsa(ECDsa.Create(ecdsa.ExportParameters(false))).PublicKey;
            HashAlgorithmName hash = bits == 256 ? HashAlgorithmName.SHA256 : bits == 384 ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA512;
            for (int i = 0; i < 20; i++)
            {
                byte[] data = RandomNumberGenerator.GetBytes(64);
                byte[] der = ecdsa.SignData(data, hash, DSASignatureFormat.Rfc3279DerSequence);
                byte[] ssh = DerSignature.EcdsaToSsh(der, SshKeyTypes.EcdsaCoordinateLength(publicKey.Curve!));
                Assert.True(SignatureCheck.Verify(publicKey, data, SshSignature.Encode(publicKey.KeyType, ssh)));
            }
        }

        [Fact]
        public void HighBitValues_GetTheirMpintSignByte()
        {
            // r = 0x0080 (DER needs the 00 because of the high bit), s = 0x01
            byte[] ssh = DerSignature.EcdsaToSsh(Convert.FromHexString("3007020200800201" + "01"));
            Assert.Equal(Convert.FromHexString("00000002" + "0080" + "00000001" + "01"), ssh);
        }

        [Theory]
        [InlineData("", "empty")]
        [InlineData("31060201010201" + "01", "tag 0x31")]                  // SET, not SEQUENCE
        [InlineData("3006020101040101", "s is not an INTEGER")]           // s is an OCTET STRING
        [InlineData("3080020101020101" + "0000", "indefinite")]           // BER indefinite length
        [InlineData("308106020101020101", "not canonical DER")]           // long-form length for 6
        [InlineData("3007020101020101", "length 7")]                      // sequence longer than the data
        [InlineData("300602010102010100", "extra data")]                  // a byte after the sequence
        [InlineData("3009020101020101020101", "3 elements")]              // a third INTEGER
        [InlineData("30060201ff020101", "negative")]
        [InlineData("3007020200010201" + "01", "corrupted")]              // r = 00 01, not minimal
        [InlineData("30050200020101", "corrupted")]                        // r is an empty INTEGER
        [InlineData("3006020100020101", "zero")]
        [InlineData("30", "EOF")]                                         // no length
        [InlineData("3084000000060201010201" + "01", "not canonical DER")] // a 4-byte length for 6
        public void MalformedDer_IsAFormatErrorSayingWhatIsWrong(string hex, string expected)
        {
            var ex = Assert.Throws<SshFormatException>(() => DerSignature.EcdsaToSsh(Convert.FromHexString(hex)));
            Assert.Contains(expected, ex.Message);
            Assert.Equal("DerInvalid", ex.ErrorId);
        }

        [Fact]
        public void IntegersLongerThanTheCurve_AreRefused()
        {
            string r33 = "0221" + "01" + new string('0', 64);
            var ex = Assert.Throws<SshFormatException>(() => DerSignature.EcdsaToSsh(Convert.FromHexString("3026" + r33 + "020101"), 32));
            Assert.Equal("SshSignatureInvalid", ex.ErrorId);
        }

        [Fact]
        public void RandomAndMutatedBytes_GiveOnlyFormatErrors()
        {
            var random = new Random(20261122);
            using ECDsa ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            byte[] valid = ecdsa.SignData(new byte[] { 1, 2, 3 }, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
            for (int i = 0; i < 5000; i++)
            {
                byte[] input;
                if (i % 2 == 0)
                {
                    input = new byte[random.Next(0, 80)];
                    random.NextBytes(input);
                }
                else
                {
                    input = (byte[])valid.Clone();
                    input[random.Next(input.Length)] = (byte)random.Next(256);
                    if (random.Next(4) == 0)
                    {
                        Array.Resize(ref input, random.Next(input.Length));
                    }
                }

                try
                {
                    DerSignature.EcdsaToSsh(input, 32);
                }
                catch (SshFormatException)
                {
                }
            }
        }
    }
}
