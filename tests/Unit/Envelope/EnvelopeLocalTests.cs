using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SshKms.Core;
using SshKms.Core.Envelope;
using SshKms.Core.Keys;
using Xunit;
using static SshKms.Tests.Envelope.EnvelopeTestKit;

namespace SshKms.Tests.Envelope
{
    [Collection("envelope")]
    public sealed class EnvelopeLocalTests
    {
        [Theory]
        [InlineData(0, false)]
        [InlineData(1, false)]
        [InlineData(4095, false)]
        [InlineData(4096, false)]
        [InlineData(4097, false)]
        [InlineData(3 * 4096 + 17, false)]
        [InlineData(0, true)]
        [InlineData(4096, true)]
        [InlineData(4097, true)]
        [InlineData(2 * 4096, true)]
        public void RoundTripsAtFrameBoundaries(int size, bool signed)
        {
            KeyUri key = NewLocalKey();
            byte[] plaintext = RandomBytes(size);
            byte[] message = Encrypt(plaintext, new EnvelopeEncryptOptions(key) { Signed = signed, Context = Context("purpose", "test") });

            Assert.Equal(2, message[0]);
            Assert.Equal(signed ? 0x05 : 0x04, message[1]);
            Assert.Equal(0x78, message[2]);
            (byte[] back, EnvelopeMessageInfo info) = Decrypt(message, new EnvelopeDecryptOptions { AllowedKeys = { key } });
            Assert.Equal(plaintext, back);
            Assert.Equal("test", info.Context["purpose"]);
            Assert.Equal(key.KeyId, info.KeyName);
            Assert.Equal(signed, info.Context.ContainsKey("aws-crypto-public-key"));
        }

        [Fact]
        public void AMissingLocalKeyIsKeyNotFoundAndCreateMakesItOwnerOnlyAndSaysSo()
        {
            KeyUri key = NewLocalKeyName();
            string path = Path.Combine(EnsureHome(), "keys", key.KeyId + ".aes256");
            var ex = Assert.Throws<SshKmsException>(() => Encrypt(new byte[] { 1 }, new EnvelopeEncryptOptions(key)));
            Assert.Equal("KeyNotFound", ex.ErrorId);
            Assert.Contains("key creation allowed", ex.Message);
            Assert.False(File.Exists(path));

            var output = new MemoryStream();
            EnvelopeMessageInfo info = EnvelopeCipher.EncryptAsync(new MemoryStream(new byte[] { 1 }), output, new EnvelopeEncryptOptions(key) { CreateKey = true })
                .GetAwaiter().GetResult();
            Assert.Equal(32, File.ReadAllBytes(path).Length);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Equal(path, info.CreatedKey!.Path);
            Assert.StartsWith("SHA256:", info.CreatedKey.Fingerprint);
            Assert.Null(EnvelopeCipher.EncryptAsync(new MemoryStream(), new MemoryStream(), new EnvelopeEncryptOptions(key) { CreateKey = true })
                .GetAwaiter().GetResult().CreatedKey);
            Assert.Equal(new byte[] { 1 }, Decrypt(output.ToArray()).Plaintext);
        }

        [Fact]
        public void DiscoveryFindsTheLocalKeyTheMessageNames()
        {
            KeyUri key = NewLocalKey();
            byte[] message = Encrypt(new byte[] { 9, 8, 7 }, new EnvelopeEncryptOptions(key));
            Assert.Equal(new byte[] { 9, 8, 7 }, Decrypt(message).Plaintext);
        }

        [Fact]
        public void EveryTruncationFailsAsTruncated()
        {
            KeyUri key = NewLocalKey();
            foreach (bool signed in new[] { false, true })
            {
                byte[] message = Encrypt(RandomBytes(4096 + 100), new EnvelopeEncryptOptions(key) { Signed = signed, FrameLength = 1024 });
                var opts = new EnvelopeDecryptOptions { AllowedKeys = { key } };
                foreach (int cut in Enumerable.Range(0, message.Length).Where(i => i < 200 || i % 97 == 0 || i > message.Length - 120))
                {
                    DecryptFails(message.Take(cut).ToArray(), opts, "EnvelopeTruncated");
                }
            }
        }

        /// <summary>
        /// Bigger than the 256 KiB that streaming decrypt batches: the file and in-memory paths must still release
        /// nothing, while streaming to a stream releases only a verified prefix before the error.
        /// </summary>
        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void AMultiMiBMessageCutShortReleasesNothingToAFileOrMemory(bool signed)
        {
            KeyUri key = NewLocalKey();
            byte[] plaintext = RandomBytes(3 * 1024 * 1024 + 5);
            byte[] message = Encrypt(plaintext, new EnvelopeEncryptOptions(key) { Signed = signed });
            foreach (int cut in new[] { message.Length / 2, message.Length - 1 })
            {
                byte[] truncated = message.Take(cut).ToArray();
                DecryptToFileFails(new MemoryStream(truncated), null, "EnvelopeTruncated");

                var streamed = new MemoryStream();
                Assert.Equal("EnvelopeTruncated", Assert.Throws<SshKmsException>(() =>
                    EnvelopeCipher.DecryptAsync(new MemoryStream(truncated), streamed, new EnvelopeDecryptOptions()).GetAwaiter().GetResult()).ErrorId);
                byte[] released = streamed.ToArray();
                Assert.True(released.Length > 0 && released.Length < plaintext.Length, $"released {released.Length} bytes");
                Assert.Equal(plaintext.Take(released.Length), released);
            }
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void OneByteReadsDecryptAndAShortFinalReadIsTruncated(bool signed)
        {
            KeyUri key = NewLocalKey();
            byte[] plaintext = RandomBytes(3 * 1024 + 7);
            byte[] message = Encrypt(plaintext, new EnvelopeEncryptOptions(key) { Signed = signed, FrameLength = 1024 });

            var whole = new OneByteReads(message);
            var output = new MemoryStream();
            EnvelopeCipher.DecryptAsync(whole, output, new EnvelopeDecryptOptions { AllowedKeys = { key } }).GetAwaiter().GetResult();
            Assert.Equal(plaintext, output.ToArray());
            Assert.True(whole.Reads > message.Length, "every read returned one byte");

            foreach (int cut in new[] { message.Length - 1, message.Length - 17, HeaderLength(message) + 3 })
            {
                var shortRead = new OneByteReads(message.Take(cut).ToArray());
                output = new MemoryStream();
                var ex = Assert.Throws<SshKmsException>(() =>
                    EnvelopeCipher.DecryptAsync(shortRead, output, new EnvelopeDecryptOptions { AllowedKeys = { key } }).GetAwaiter().GetResult());
                Assert.Equal("EnvelopeTruncated", ex.ErrorId);
                Assert.Empty(output.ToArray());
            }

            // The same through the base64 decoder, one character per read.
            var text = new OneByteReads(System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(message)));
            output = new MemoryStream();
            EnvelopeCipher.DecryptAsync(EnvelopeCipher.DetectBase64(text), output, new EnvelopeDecryptOptions()).GetAwaiter().GetResult();
            Assert.Equal(plaintext, output.ToArray());
        }

        [Fact]
        public void TrailingBytesAreRefused()
        {
            KeyUri key = NewLocalKey();
            byte[] message = Encrypt(RandomBytes(10), new EnvelopeEncryptOptions(key));
            DecryptFails(message.Concat(new byte[] { 0 }).ToArray(), null, "EnvelopeTrailingData");
        }

        [Fact]
        public void FlippingAnyHeaderBitFailsWithAnEnvelopeError()
        {
            KeyUri key = NewLocalKey();
            byte[] message = Encrypt(RandomBytes(50), new EnvelopeEncryptOptions(key) { Context = Context("a", "b") });
            int headerLength = HeaderLength(message);
            var seen = new HashSet<string>();
            for (int i = 0; i < headerLength; i++)
            {
                byte[] bad = (byte[])message.Clone();
                bad[i] ^= 0x01;
                seen.Add(DecryptFails(bad, new EnvelopeDecryptOptions { AllowedKeys = { key } },
                    "EnvelopeHeaderTampered", "EnvelopeVersionUnsupported", "EnvelopeSuiteUnsupported", "EnvelopeCommitmentMismatch",
                    "EnvelopeNoDecryptableKey", "EnvelopeKeyNotAllowed", "EnvelopeHeaderInvalid", "EnvelopeTruncated", "EnvelopeFrameTampered",
                    "EnvelopeTooManyDataKeys").ErrorId);
            }

            // The specific checks each fire somewhere in the header, not just a generic failure.
            Assert.Contains("EnvelopeHeaderTampered", seen);
            Assert.Contains("EnvelopeCommitmentMismatch", seen);
            Assert.Contains("EnvelopeVersionUnsupported", seen);
            Assert.Contains("EnvelopeSuiteUnsupported", seen);
        }

        [Fact]
        public void FlippingABitInEachFrameFailsAsFrameTampered()
        {
            KeyUri key = NewLocalKey();
            byte[] message = Encrypt(RandomBytes(3 * 512 + 5), new EnvelopeEncryptOptions(key) { FrameLength = 512 });
            int h = HeaderLength(message);
            int regular = 4 + 12 + 512 + 16;
            for (int frame = 0; frame < 3; frame++)
            {
                foreach (int within in new[] { 4, 4 + 12 + 100, regular - 1 })
                {
                    byte[] bad = (byte[])message.Clone();
                    bad[h + frame * regular + within] ^= 0x80;
                    DecryptFails(bad, null, "EnvelopeFrameTampered");
                }
            }

            byte[] finalBad = (byte[])message.Clone();
            finalBad[message.Length - 1] ^= 0x01;
            DecryptFails(finalBad, null, "EnvelopeFrameTampered");
        }

        [Fact]
        public void SwappedFramesAreRefused()
        {
            KeyUri key = NewLocalKey();
            byte[] message = Encrypt(RandomBytes(3 * 256), new EnvelopeEncryptOptions(key) { FrameLength = 256 });
            int h = HeaderLength(message);
            int regular = 4 + 12 + 256 + 16;
            byte[] bad = (byte[])message.Clone();
            Array.Copy(message, h, bad, h + regular, regular);
            Array.Copy(message, h + regular, bad, h, regular);
            DecryptFails(bad, null, "EnvelopeFrameTampered");
        }

        [Fact]
        public void FlippingTheSignatureFailsAsSignatureInvalid()
        {
            KeyUri key = NewLocalKey();
            byte[] message = Encrypt(RandomBytes(100), new EnvelopeEncryptOptions(key) { Signed = true });
            byte[] bad = (byte[])message.Clone();
            bad[message.Length - 5] ^= 0x01;
            DecryptFails(bad, null, "EnvelopeSignatureInvalid");
        }

        [Fact]
        public void WrongKeyWrongContextAndDisallowedKeyEachHaveTheirOwnId()
        {
            KeyUri key = NewLocalKey();
            byte[] message = Encrypt(RandomBytes(100), new EnvelopeEncryptOptions(key) { Context = Context("app", "x") });

            DecryptFails(message, new EnvelopeDecryptOptions { AllowedKeys = { NewLocalKey() } }, "EnvelopeKeyNotAllowed");
            DecryptFails(message, new EnvelopeDecryptOptions { ExpectedContext = Context("app", "y") }, "EnvelopeContextMismatch");
            DecryptFails(message, new EnvelopeDecryptOptions { ExpectedContext = Context("other", "x") }, "EnvelopeContextMismatch");

            // Same name, different key material: the raw AES unwrap fails.
            string path = Path.Combine(EnsureHome(), "keys", key.KeyId + ".aes256");
            File.Delete(path);
            OwnerOnly.WriteAllBytes(path, RandomBytes(32));
            DecryptFails(message, null, "EnvelopeNoDecryptableKey");
        }

        [Theory]
        [InlineData(3)]
        [InlineData(0)]
        [InlineData(33)]
        public void ALocalKeyFileOfTheWrongSizeIsLocalKeyInvalidOnDecrypt(int size)
        {
            KeyUri key = NewLocalKey();
            byte[] message = Encrypt(RandomBytes(100), new EnvelopeEncryptOptions(key));
            string path = Path.Combine(EnsureHome(), "keys", key.KeyId + ".aes256");
            File.WriteAllBytes(path, RandomBytes(size));

            Assert.Contains(path, DecryptFails(message, null, "EnvelopeLocalKeyInvalid").Message);
            DecryptFails(message, new EnvelopeDecryptOptions { AllowedKeys = { key } }, "EnvelopeLocalKeyInvalid");
        }

        [Fact]
        public void AKeyFileThatCannotBeReadIsFileReadFailed()
        {
            KeyUri key = NewLocalKey();
            var keyring = new LocalEnvelopeKeyring(key.KeyId);
            var context = new EnvelopeKeyContext(new SortedDictionary<string, string>());
            (byte[] dataKey, EncryptedDataKey wrapped) = keyring.GenerateAsync(context, default).GetAwaiter().GetResult();
            Assert.Equal(dataKey, keyring.TryUnwrapAsync(wrapped, context, default).GetAwaiter().GetResult());

            // Gone between the check that it exists and the read.
            File.Delete(Path.Combine(EnsureHome(), "keys", key.KeyId + ".aes256"));
            var ex = Assert.Throws<SshKmsException>(() => keyring.TryUnwrapAsync(wrapped, context, default).GetAwaiter().GetResult());
            Assert.Equal("FileReadFailed", ex.ErrorId);
        }

        [Fact]
        public void UnsupportedVersionAndSuiteAreRefusedClearly()
        {
            KeyUri key = NewLocalKey();
            byte[] message = Encrypt(RandomBytes(10), new EnvelopeEncryptOptions(key));
            byte[] v1 = (byte[])message.Clone();
            v1[0] = 1;
            Assert.Contains("version 1", DecryptFails(v1, null, "EnvelopeVersionUnsupported").Message);
            byte[] suite = (byte[])message.Clone();
            suite[1] = 0x01;
            suite[2] = 0x78;
            Assert.Contains("0x0178", DecryptFails(suite, null, "EnvelopeSuiteUnsupported").Message);
        }

        [Fact]
        public void ReservedContextKeysAreRefusedOnEncrypt()
        {
            var ex = Assert.Throws<SshKmsException>(() => Encrypt(new byte[1], new EnvelopeEncryptOptions(NewLocalKey()) { Context = Context("aws-crypto-x", "1") }));
            Assert.Equal("EnvelopeContextInvalid", ex.ErrorId);
        }

        [Fact]
        public void Base64InputIsDetected()
        {
            KeyUri key = NewLocalKey();
            byte[] message = Encrypt(new byte[] { 42 }, new EnvelopeEncryptOptions(key));
            string b64 = Convert.ToBase64String(message);
            Assert.StartsWith("A", b64);
            var stream = EnvelopeCipher.DetectBase64(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(b64 + "\n")));
            var output = new MemoryStream();
            EnvelopeCipher.DecryptAsync(stream, output, new EnvelopeDecryptOptions()).GetAwaiter().GetResult();
            Assert.Equal(new byte[] { 42 }, output.ToArray());
        }

        [Fact]
        public void Base64TextMayEndInWhitespaceButNothingElse()
        {
            KeyUri key = NewLocalKey();
            // Three sizes in a row: their base64 ends in "==", "=" and no padding.
            var paddings = new HashSet<int>();
            foreach (int size in new[] { 1, 2, 3 })
            {
                byte[] message = Encrypt(RandomBytes(size), new EnvelopeEncryptOptions(key));
                string b64 = Convert.ToBase64String(message);
                paddings.Add(b64.Length - b64.TrimEnd('=').Length);
                Assert.Equal(size, DecryptText(b64 + "\r\n \t").Length);
                foreach (string junk in new[] { "*", "A", "AAAA", "\nAA==", "=" })
                {
                    var ex = Assert.Throws<SshKmsException>(() => DecryptText(b64 + junk));
                    Assert.Equal("EnvelopeTrailingData", ex.ErrorId);
                }
            }

            Assert.Equal(3, paddings.Count);
        }

        [Fact]
        public void FailedDecryptToFileLeavesNoFile()
        {
            KeyUri key = NewLocalKey();
            byte[] message = Encrypt(RandomBytes(9000), new EnvelopeEncryptOptions(key) { Signed = true });
            message[message.Length - 3] ^= 1;
            using var dir = new Infrastructure.TempDir();
            string target = dir.File("plain.bin");
            var ex = Assert.Throws<SshKmsException>(() =>
                OwnerOnly.WriteViaTempAsync(target, false, output => EnvelopeCipher.DecryptAsync(new MemoryStream(message), output, new EnvelopeDecryptOptions())).GetAwaiter().GetResult());
            Assert.Equal("EnvelopeSignatureInvalid", ex.ErrorId);
            Assert.Empty(Directory.GetFiles(dir.Path));
        }
    }

    [CollectionDefinition("envelope")]
    public sealed class EnvelopeCollection
    {
    }
}
