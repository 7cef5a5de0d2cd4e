using System.IO;
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

        private static System.Func<byte[], IAesGcmCipher> Factory(bool platform) =>
            platform ? k => new PlatformAesGcmCipher(k) : k => new BouncyCastleAesGcmCipher(k);
    }
}
