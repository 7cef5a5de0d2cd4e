using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Keys;

namespace SshKms.Core.Envelope
{
    /// <summary>
    /// What to encrypt, under which key, and where the message goes. Give exactly one input (InputPath, Input,
    /// Plaintext or Text) and at most one output (OutputPath or Output; neither: the message comes back in memory).
    /// </summary>
    public sealed class ProtectOptions : EnvelopeOutputOptions
    {
        /// <summary>The key URI: awskms:... (or a bare KMS key id, ARN or alias) or local:NAME.</summary>
        public string KeyId { get; set; } = string.Empty;

        /// <summary>Create a missing local: key (local:default is created without it, with a warning).</summary>
        public bool CreateKey { get; set; }

        /// <summary>Bound to the message and passed to KMS; keys starting "aws-crypto-" are reserved; a null value is refused.</summary>
        public IDictionary<string, string>? Context { get; set; }

        /// <summary>Suite 0x0578: adds an ECDSA P-384 signature.</summary>
        public bool Signed { get; set; }

        public string? InputPath { get; set; }

        /// <summary>Read to its end; not disposed.</summary>
        public Stream? Input { get; set; }

        /// <summary>The bytes to encrypt; left as they are unless <see cref="WipePlaintext"/>.</summary>
        public byte[]? Plaintext { get; set; }

        /// <summary>Zero <see cref="Plaintext"/> when done: for a copy made only for this call (a SecureString's UTF-8, gathered pipeline bytes).</summary>
        public bool WipePlaintext { get; set; }

        /// <summary>Text to encrypt as UTF-8; the UTF-8 copy is zeroed when done.</summary>
        public string? Text { get; set; }

        /// <summary>Write the message to OutputPath or Output as one line of base64 text instead of bytes.</summary>
        public bool Base64 { get; set; }
    }

    public sealed class ProtectResult
    {
        internal ProtectResult(EnvelopeMessageInfo info, byte[]? message, string? outputPath)
        {
            Info = info;
            Message = message;
            OutputPath = outputPath;
        }

        public EnvelopeMessageInfo Info { get; }

        /// <summary>The message, when no output was given.</summary>
        public byte[]? Message { get; }

        /// <summary>The full path written, when OutputPath was given.</summary>
        public string? OutputPath { get; }

        /// <summary>The local key made on use, for the caller's warning; null when it existed.</summary>
        public KeyCreated? CreatedKey => Info.CreatedKey;
    }

    /// <summary>Encrypts into an AWS Encryption SDK message (format version 2, committing suite) under a KMS or local key.</summary>
    public static class ProtectOperation
    {
        public static async Task<ProtectResult> RunAsync(ProtectOptions options, CancellationToken cancellationToken)
        {
            if (options == null)
            {
                throw new ArgumentNullException(nameof(options));
            }

            try
            {
                EnvelopeOperations.CheckInputAndOutput("input to encrypt", options, options.InputPath, options.Input, options.Plaintext, options.Text);
                var cipherOptions = new EnvelopeEncryptOptions(KeyUri.Parse(options.KeyId))
                {
                    Context = options.Context,
                    Signed = options.Signed,
                    CreateKey = options.CreateKey,
                    Aws = options.Aws,
                };
                using (Stream input = OpenInput(options))
                {
                    (EnvelopeMessageInfo Info, string? Path)? written = await EnvelopeOperations.WriteOutputAsync(options,
                        output => WriteAsync(input, output, options.Base64, cipherOptions, cancellationToken), cancellationToken).ConfigureAwait(false);
                    if (written != null)
                    {
                        return new ProtectResult(written.Value.Info, null, written.Value.Path);
                    }

                    var message = new MemoryStream();
                    EnvelopeMessageInfo made = await EnvelopeCipher.EncryptAsync(input, message, cipherOptions, cancellationToken).ConfigureAwait(false);
                    return new ProtectResult(made, message.ToArray(), null);
                }
            }
            finally
            {
                if (options.WipePlaintext)
                {
                    Wipe.Bytes(options.Plaintext);
                }
            }
        }

        /// <summary>The plaintext as a stream; UTF-8 made here from Text is zeroed when the stream is disposed.</summary>
        private static Stream OpenInput(ProtectOptions o)
        {
            if (o.InputPath != null)
            {
                return InputFiles.OpenRead(o.InputPath);
            }

            if (o.Input != null)
            {
                return new NonClosingStream(o.Input);
            }

            if (o.Plaintext != null)
            {
                return new MemoryStream(o.Plaintext, writable: false);
            }

            return new PlaintextMemoryStream(new UTF8Encoding(false).GetBytes(o.Text!));
        }

        private static async Task<EnvelopeMessageInfo> WriteAsync(Stream input, Stream output, bool base64, EnvelopeEncryptOptions options, CancellationToken ct)
        {
            if (!base64)
            {
                return await EnvelopeCipher.EncryptAsync(input, output, options, ct).ConfigureAwait(false);
            }

            EnvelopeMessageInfo info;
            using (var text = new CryptoStream(new NonClosingStream(output), new ToBase64Transform(), CryptoStreamMode.Write))
            {
                info = await EnvelopeCipher.EncryptAsync(input, text, options, ct).ConfigureAwait(false);
            }

            output.WriteByte((byte)'\n');
            return info;
        }
    }
}
