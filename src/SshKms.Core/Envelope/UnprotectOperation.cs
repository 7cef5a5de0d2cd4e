using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Keys;

namespace SshKms.Core.Envelope
{
    /// <summary>
    /// Which message to decrypt, which keys may unwrap it, and where the plaintext goes. Give exactly one input
    /// (InputPath, Input, Message or Base64) and at most one output (OutputPath or Output; neither: in memory).
    /// </summary>
    public sealed class UnprotectOptions : EnvelopeOutputOptions
    {
        /// <summary>Allow-list: only these key URIs may unwrap the data key. Empty: any KMS key ARN or local key the message names.</summary>
        public string[]? AllowedKeys { get; set; }

        /// <summary>Pairs the message's encryption context must contain with equal values.</summary>
        public IDictionary<string, string>? ExpectedContext { get; set; }

        /// <summary>Messages with more encrypted data keys are refused before any key is tried; null: 10, as the Encryption SDKs recommend.</summary>
        public int? MaxEncryptedDataKeys { get; set; }

        /// <summary>Without AllowedKeys: only KMS keys of these AWS accounts are asked to decrypt (the SDKs' discovery filter).</summary>
        public string[]? DiscoveryAccountIds { get; set; }

        /// <summary>The discovery filter's partition; null: aws.</summary>
        public string? DiscoveryPartition { get; set; }

        /// <summary>A message file, as bytes or as base64 text (told apart by its first byte).</summary>
        public string? InputPath { get; set; }

        /// <summary>A message stream (standard input), bytes or base64 text; read to its end, not disposed.</summary>
        public Stream? Input { get; set; }

        /// <summary>The message as bytes.</summary>
        public byte[]? Message { get; set; }

        /// <summary>The message as base64 text.</summary>
        public string? Base64 { get; set; }
    }

    /// <summary>A decrypted message. Disposing it zeroes <see cref="Plaintext"/>: copy what must outlive it.</summary>
    public sealed class UnprotectResult : IDisposable
    {
        internal UnprotectResult(EnvelopeMessageInfo info, byte[]? plaintext, string? outputPath)
        {
            Info = info;
            Plaintext = plaintext;
            OutputPath = outputPath;
        }

        public EnvelopeMessageInfo Info { get; }

        /// <summary>The plaintext, when no output was given; returned only after every frame (and the signature) verified.</summary>
        public byte[]? Plaintext { get; }

        /// <summary>The full path written, when OutputPath was given.</summary>
        public string? OutputPath { get; }

        public void Dispose() => Wipe.Bytes(Plaintext);
    }

    /// <summary>Decrypts an AWS Encryption SDK message (ours or any official SDK's) written under a KMS or local key.</summary>
    public static class UnprotectOperation
    {
        /// <summary>The Encryption SDKs' recommended limit on encrypted data keys per message.</summary>
        public const int DefaultMaxEncryptedDataKeys = EnvelopeDecryptOptions.DefaultMaxEncryptedDataKeys;

        public static async Task<UnprotectResult> RunAsync(UnprotectOptions options, CancellationToken cancellationToken)
        {
            if (options == null)
            {
                throw new ArgumentNullException(nameof(options));
            }

            EnvelopeOperations.CheckInputAndOutput("message to decrypt", options, options.InputPath, options.Input, options.Message, options.Base64);
            var cipherOptions = new EnvelopeDecryptOptions
            {
                AllowedKeys = (options.AllowedKeys ?? Array.Empty<string>()).Select(KeyUri.Parse).ToList(),
                ExpectedContext = options.ExpectedContext,
                MaxEncryptedDataKeys = options.MaxEncryptedDataKeys ?? EnvelopeDecryptOptions.DefaultMaxEncryptedDataKeys,
                DiscoveryAccountIds = (options.DiscoveryAccountIds ?? Array.Empty<string>()).ToList(),
                DiscoveryPartition = options.DiscoveryPartition,
                Aws = options.Aws,
            };
            using (Stream input = OpenInput(options))
            {
                // To a file or a stream, each frame is released once its tag verified; a file is renamed into place only at the end.
                (EnvelopeMessageInfo Info, string? Path)? written = await EnvelopeOperations.WriteOutputAsync(options,
                    output => EnvelopeCipher.DecryptAsync(input, output, cipherOptions, cancellationToken), cancellationToken).ConfigureAwait(false);
                if (written != null)
                {
                    return new UnprotectResult(written.Value.Info, null, written.Value.Path);
                }

                // The buffer is zeroed when disposed, success or not: only the returned copy holds the plaintext.
                using (var plaintext = new PlaintextMemoryStream())
                {
                    EnvelopeMessageInfo info = await EnvelopeCipher.DecryptAsync(input, plaintext, cipherOptions, cancellationToken).ConfigureAwait(false);
                    return new UnprotectResult(info, plaintext.ToArray(), null);
                }
            }
        }

        private static Stream OpenInput(UnprotectOptions o)
        {
            if (o.InputPath != null)
            {
                return EnvelopeCipher.DetectBase64(InputFiles.OpenRead(o.InputPath));
            }

            if (o.Input != null)
            {
                return EnvelopeCipher.DetectBase64(new NonClosingStream(o.Input));
            }

            if (o.Base64 != null)
            {
                // Invalid text is EnvelopeBase64Invalid, and anything but whitespace after the message EnvelopeTrailingData, as for files.
                return new Base64InputStream(new MemoryStream(Encoding.ASCII.GetBytes(o.Base64), writable: false));
            }

            return new MemoryStream(o.Message!, writable: false);
        }
    }
}
