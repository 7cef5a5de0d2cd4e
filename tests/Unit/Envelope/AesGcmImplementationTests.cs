using System.IO;
using System.Linq;
using SshKms.Core.Envelope;
using SshKms.Core.Keys;
using Xunit;
using static SshKms.Tests.Envelope.EnvelopeTestKit;

namespace SshKms.Tests.Envelope
{
    /// <summary>The net8.0 (AesGcm) and netstandard2.0 (BouncyCastle) GCM implementations read each other's messages.</summary>
    [Collection("envelope")]
    public sealed class AesGcmImplementationTests
    {
        [Theory]
        [InlineData(true, false)]
        [InlineData(false, true)]
        [InlineData(true, true)]
        [InlineData(false, false)]
        public void EachImplementationReadsTheOthersOutput(bool encryptWithPlatform, bool signed)
        {
            EnsureHome();
            KeyUri key = NewLocalKey();
            byte[] plaintext = RandomBytes(3 * 4096 + 1);
            var keyring = new LocalEnvelopeKeyring(key.KeyId);
            var message = new MemoryStream();
            EnvelopeCipher.EncryptAsync(new MemoryStream(plaintext), message, new EnvelopeEncryptOptions(key) { Signed = signed }, keyring,
                Factory(encryptWithPlatform), default).GetAwaiter().GetResult();

            var output = new MemoryStream();
            EnvelopeCipher.DecryptAsync(new MemoryStream(message.ToArray()), output, new EnvelopeDecryptOptions(), new IEnvelopeKeyring[] { keyring }, true,
                Factory(!encryptWithPlatform), default).GetAwaiter().GetResult();
            Assert.Equal(plaintext, output.ToArray());
        }

        [Fact]
        public void BouncyCastleRejectsATamperedTagWithoutWritingPlaintext()
        {
            byte[] key = RandomBytes(32);
            byte[] iv = new byte[12];
            byte[] plain = RandomBytes(100);
            byte[] cipher = new byte[100];
            byte[] tag = new byte[16];
            using var bc = new BouncyCastleAesGcmCipher(key);
            bc.Encrypt(iv, plain, 0, 100, new byte[] { 1 }, cipher, tag);
            tag[0] ^= 1;
            byte[] output = new byte[100];
            Assert.False(bc.TryDecrypt(iv, cipher, 0, 100, tag, new byte[] { 1 }, output));
            Assert.All(output, b => Assert.Equal(0, b));
        }

        /// <summary>One BouncyCastle instance per message re-initializes per frame without the key: output must stay identical to AesGcm's.</summary>
        [Fact]
        public void OneBouncyCastleInstanceMatchesThePlatformFrameAfterFrame()
        {
            byte[] key = RandomBytes(32);
            using var bc = new BouncyCastleAesGcmCipher(key);
            using var platform = new PlatformAesGcmCipher(key);
            for (int frame = 0; frame < 20; frame++)
            {
                byte[] iv = new byte[12];
                iv[11] = (byte)frame;
                byte[] aad = RandomBytes(frame);
                byte[] plain = RandomBytes(frame * 37);
                byte[] c1 = new byte[plain.Length], c2 = new byte[plain.Length], t1 = new byte[16], t2 = new byte[16];
                bc.Encrypt(iv, plain, 0, plain.Length, aad, c1, t1);
                platform.Encrypt(iv, plain, 0, plain.Length, aad, c2, t2);
                Assert.Equal(c2, c1);
                Assert.Equal(t2, t1);

                byte[] back = new byte[plain.Length];
                Assert.True(bc.TryDecrypt(iv, c2, 0, c2.Length, t2, aad, back));
                Assert.Equal(plain, back);
            }
        }

        /// <summary>HKDF-SHA512 computed independently (Python hmac) for ikm 0..31, salt 100..131, info 0x0478 || "DERIVEKEY".</summary>
        [Fact]
        public void KdfKnownAnswerAndBothImplementationsAgree()
        {
            byte[] ikm = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
            byte[] salt = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();
            Assert.Equal("fc3bcfb0b21a15f54e7a8dfb4ee76cb60cd2b2a6b71ac8f1fff30fde97cfa964",
                System.Convert.ToHexString(EnvelopeKdf.DeriveDataKey(0x0478, ikm, salt)).ToLowerInvariant());

            for (int i = 0; i < 20; i++)
            {
                byte[] key = RandomBytes(32), id = RandomBytes(32), info = RandomBytes(i), a = new byte[32 + i], b = new byte[32 + i];
                EnvelopeKdf.PlatformHkdf(key, id, info, a);
                EnvelopeKdf.BouncyCastleHkdf(key, id, info, b);
                Assert.Equal(b, a);
            }
        }

        private static System.Func<byte[], IAesGcmCipher> Factory(bool platform) =>
            platform ? k => new PlatformAesGcmCipher(k) : k => new BouncyCastleAesGcmCipher(k);
    }
}
