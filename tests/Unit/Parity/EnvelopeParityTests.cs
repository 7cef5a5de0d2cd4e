using System.Collections.Generic;
using System.IO;
using SshKms.Core.Envelope;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Parity
{
    /// <summary>Bad envelope inputs through Protect-/Unprotect-SshKmsData and `sshkms encrypt|decrypt`: the same ErrorId from both.</summary>
    public sealed class EnvelopeParityTests
    {
        private static readonly string Key = TestHome.NewLocalKey("parity-data");

        /// <summary>A message under <see cref="Key"/> with the context app=web, written by the protect operation.</summary>
        private static byte[] Message()
        {
            ProtectResult made = ProtectOperation.RunAsync(new ProtectOptions
            {
                KeyId = Key,
                CreateKey = true,
                Text = "parity secret",
                Context = new Dictionary<string, string> { ["app"] = "web" },
            }, default).GetAwaiter().GetResult();
            return made.Message!;
        }

        private static string MessageFile(TempDir dir, byte[] message)
        {
            string path = dir.File("message.bin");
            File.WriteAllBytes(path, message);
            return path;
        }

        private static void DecryptFails(string expectedId, string path, string psExtra, params string[] cliExtra) =>
            FrontEndParity.AssertSameErrorId(expectedId,
                "Unprotect-SshKmsData -Path $p -AsPlainText " + psExtra,
                Concat(new[] { "decrypt", "--in", path, "--out", "-" }, cliExtra),
                null, null, ("p", path), ("k", Key));

        private static string[] Concat(string[] a, string[] b)
        {
            var all = new List<string>(a);
            all.AddRange(b);
            return all.ToArray();
        }

        [Fact]
        public void TamperedCiphertext()
        {
            using var dir = new TempDir();
            byte[] message = Message();
            message[message.Length - 20] ^= 0x01;
            DecryptFails("EnvelopeFrameTampered", MessageFile(dir, message), string.Empty);
        }

        [Fact]
        public void TruncatedMessage()
        {
            using var dir = new TempDir();
            byte[] message = Message();
            System.Array.Resize(ref message, message.Length - 10);
            DecryptFails("EnvelopeTruncated", MessageFile(dir, message), string.Empty);
        }

        [Fact]
        public void WrongEncryptionContext()
        {
            using var dir = new TempDir();
            DecryptFails("EnvelopeContextMismatch", MessageFile(dir, Message()), "-EncryptionContext @{ app = 'db' }", "--context", "app=db");
        }

        [Fact]
        public void KeyNotOnTheAllowList()
        {
            using var dir = new TempDir();
            string other = TestHome.NewLocalKey("parity-other");
            DecryptFails("EnvelopeKeyNotAllowed", MessageFile(dir, Message()), "-KeyId '" + other + "'", "--key", other);
        }

        [Fact]
        public void InvalidBase64Text()
        {
            FrontEndParity.AssertSameErrorId("EnvelopeBase64Invalid", "Unprotect-SshKmsData -Base64 'AYA!!notbase64' -AsPlainText",
                new[] { "decrypt" }, null, "AYA!!notbase64\n");
        }

        [Fact]
        public void EncryptUnderAnUnknownLocalKey()
        {
            string missing = TestHome.NewLocalKey("parity-missing-data");
            FrontEndParity.AssertSameErrorId("KeyNotFound", "Protect-SshKmsData -KeyId $k -String 'x'", new[] { "encrypt", "--key", missing }, null, "x", ("k", missing));
        }

        [Fact]
        public void EncryptAMissingFile()
        {
            using var dir = new TempDir();
            string missing = dir.File("absent.txt");
            Message();
            FrontEndParity.AssertSameErrorId("FileReadFailed", "Protect-SshKmsData -KeyId $k -Path $p", new[] { "encrypt", "--key", Key, "--in", missing },
                null, null, ("k", Key), ("p", missing));
        }

        [Fact]
        public void ReservedEncryptionContextKey()
        {
            Message();
            FrontEndParity.AssertSameErrorId("EnvelopeContextInvalid", "Protect-SshKmsData -KeyId $k -String 'x' -EncryptionContext @{ 'aws-crypto-public-key' = 'v' }",
                new[] { "encrypt", "--key", Key, "--context", "aws-crypto-public-key=v" }, null, "x", ("k", Key));
        }
    }
}
