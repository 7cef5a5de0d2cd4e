using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Envelope;
using SshKms.Core.Keys;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Envelope
{
    /// <summary>Shared helpers: the test run's SSHKMS_HOME (TestHome), unique local key names, and byte-level round trips.</summary>
    internal static class EnvelopeTestKit
    {
        public static string EnsureHome() => TestHome.Path;

        /// <summary>A local key name no other test uses; no key file exists for it.</summary>
        public static KeyUri NewLocalKeyName() => KeyUri.Parse("local:env-" + Guid.NewGuid().ToString("N").Substring(0, 10));

        /// <summary>A new local key, created as `sshkms encrypt --create` creates it (keys are never made silently).</summary>
        public static KeyUri NewLocalKey()
        {
            KeyUri key = NewLocalKeyName();
            EnvelopeMessageInfo info = EnvelopeCipher.EncryptAsync(new MemoryStream(), new MemoryStream(), new EnvelopeEncryptOptions(key) { CreateKey = true })
                .GetAwaiter().GetResult();
            Assert.NotNull(info.CreatedKey);
            return key;
        }

        public static byte[] RandomBytes(int n)
        {
            byte[] b = new byte[n];
            RandomNumberGenerator.Fill(b);
            return b;
        }

        public static byte[] Encrypt(byte[] plaintext, EnvelopeEncryptOptions options)
        {
            EnsureHome();
            var output = new MemoryStream();
            EnvelopeCipher.EncryptAsync(new MemoryStream(plaintext), output, options).GetAwaiter().GetResult();
            return output.ToArray();
        }

        public static (byte[] Plaintext, EnvelopeMessageInfo Info) Decrypt(byte[] message, EnvelopeDecryptOptions? options = null)
        {
            EnsureHome();
            var output = new MemoryStream();
            EnvelopeMessageInfo info = EnvelopeCipher.DecryptAsync(new MemoryStream(message), output, options ?? new EnvelopeDecryptOptions()).GetAwaiter().GetResult();
            return (output.ToArray(), info);
        }

        /// <summary>
        /// Decrypt must fail with one of these ids and release no byte of plaintext. Streaming decrypt releases
        /// verified plaintext in 256 KiB batches (PlaintextBuffer), so this holds for messages below that size;
        /// bigger ones go through DecryptToFileFails or the cmdlet's in-memory path.
        /// </summary>
        /// <summary>The same AWS settings, every request recorded (and passed on) by <paramref name="recorder"/>: counts KMS calls per test, unlike a shared counter.</summary>
        public static Core.Aws.AwsSettings Recorded(Core.Aws.AwsSettings settings, Aws.RecordingHttpClientFactory recorder) => new Core.Aws.AwsSettings
        {
            Region = settings.Region,
            ProfileName = settings.ProfileName,
            EndpointUrl = settings.EndpointUrl,
            HttpClientFactory = recorder,
        };

        public static SshKmsException DecryptFails(byte[] message, EnvelopeDecryptOptions? options, params string[] allowedIds)
        {
            EnsureHome();
            var output = new MemoryStream();
            var ex = Assert.Throws<SshKmsException>(() =>
                EnvelopeCipher.DecryptAsync(new MemoryStream(message), output, options ?? new EnvelopeDecryptOptions()).GetAwaiter().GetResult());
            Assert.Contains(ex.ErrorId, allowedIds);
            Assert.Empty(output.ToArray());
            return ex;
        }

        /// <summary>Decrypt to a file must fail with this id and leave no file behind (not the target, not the temp), whatever the size.</summary>
        public static SshKmsException DecryptToFileFails(Stream message, EnvelopeDecryptOptions? options, string id)
        {
            EnsureHome();
            using var dir = new TempDir();
            var ex = Assert.Throws<SshKmsException>(() =>
                OwnerOnly.WriteViaTempAsync(dir.File("plain"), false, output => EnvelopeCipher.DecryptAsync(message, output, options ?? new EnvelopeDecryptOptions())).GetAwaiter().GetResult());
            Assert.Equal(id, ex.ErrorId);
            Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
            return ex;
        }

        public static Dictionary<string, string> Context(params string[] pairs)
        {
            var d = new Dictionary<string, string>();
            for (int i = 0; i < pairs.Length; i += 2)
            {
                d[pairs[i]] = pairs[i + 1];
            }

            return d;
        }

        /// <summary>Decrypts message text the way the CLI and Unprotect -Path read it: binary or base64, detected.</summary>
        public static byte[] DecryptText(string text, EnvelopeDecryptOptions? options = null)
        {
            EnsureHome();
            var output = new MemoryStream();
            using (Stream input = EnvelopeCipher.DetectBase64(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(text))))
            {
                EnvelopeCipher.DecryptAsync(input, output, options ?? new EnvelopeDecryptOptions()).GetAwaiter().GetResult();
            }

            return output.ToArray();
        }

        /// <summary>Length of header + header tag, read back through the parser.</summary>
        public static int HeaderLength(byte[] message)
        {
            var input = new EnvelopeInput(new MemoryStream(message));
            (_, byte[] bytes) = EnvelopeHeader.ReadAsync(input, default).GetAwaiter().GetResult();
            return bytes.Length + 16;
        }
    }

    /// <summary>A stream that returns at most one byte per read, as a pipe may: callers must loop.</summary>
    internal sealed class OneByteReads : Stream
    {
        private readonly byte[] _data;
        private int _position;

        public OneByteReads(byte[] data)
        {
            _data = data;
        }

        public int Reads { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Reads++;
            if (count == 0 || _position == _data.Length)
            {
                return 0;
            }

            buffer[offset] = _data[_position++];
            return 1;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, System.Threading.CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer, offset, count));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
