using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Envelope;
using SshKms.Core.Keys;

namespace SshKms.Cli.Commands
{
    /// <summary>sshkms encrypt / decrypt: AWS Encryption SDK messages over stdin/stdout or files.</summary>
    internal static class EnvelopeCommands
    {
        public const string EncryptUsage = "sshkms encrypt --key URI [--create] [--context K=V]... [--in PATH|-] [--out PATH|-] [--base64] [--signed]";
        public const string DecryptUsage = "sshkms decrypt [--key URI]... [--context K=V]... [--in PATH|-] [--out PATH|-] [--max-encrypted-data-keys N] [--account-id ID... [--partition P]]";

        public static IEnumerable<CliCommand> All => new[]
        {
            new CliCommand("encrypt", EncryptUsage,
                new[] { new OptionSpec("key"), OptionSpec.Flag("create"), OptionSpec.Many("context"), new OptionSpec("in"), new OptionSpec("out"), OptionSpec.Flag("base64"), OptionSpec.Flag("signed") },
                EncryptAsync),
            new CliCommand("decrypt", DecryptUsage,
                new[]
                {
                    OptionSpec.Many("key"), OptionSpec.Many("context"), new OptionSpec("in"), new OptionSpec("out"),
                    new OptionSpec("max-encrypted-data-keys"), OptionSpec.Many("account-id"), new OptionSpec("partition"),
                },
                DecryptAsync),
        };

        private static async Task<int> EncryptAsync(CliInvocation inv)
        {
            var options = new EnvelopeEncryptOptions(KeyUri.Parse(inv.Require("key")))
            {
                Context = ToDictionary(inv.GetPairs("context")),
                Signed = inv.Has("signed"),
                CreateKey = inv.Has("create"),
                Aws = inv.Aws,
            };
            bool base64 = inv.Has("base64");
            using (Stream input = OpenInput(inv))
            {
                EnvelopeMessageInfo info = await WriteOutputAsync(inv, output => base64
                    ? EncryptBase64Async(input, output, options)
                    : EnvelopeCipher.EncryptAsync(input, output, options)).ConfigureAwait(false);
                inv.WarnIfCreated(info.CreatedKey);
            }

            return 0;
        }

        private static async Task<int> DecryptAsync(CliInvocation inv)
        {
            var options = new EnvelopeDecryptOptions
            {
                AllowedKeys = inv.GetAll("key").Select(KeyUri.Parse).ToList(),
                ExpectedContext = ToDictionary(inv.GetPairs("context")),
                MaxEncryptedDataKeys = inv.GetInt("max-encrypted-data-keys") ?? EnvelopeDecryptOptions.DefaultMaxEncryptedDataKeys,
                DiscoveryAccountIds = inv.GetAll("account-id").ToList(),
                DiscoveryPartition = inv.Get("partition"),
                Aws = inv.Aws,
            };
            using (Stream input = EnvelopeCipher.DetectBase64(OpenInput(inv)))
            {
                string? path = OutPath(inv);
                if (path != null)
                {
                    // Temp name + rename after the whole message (and its signature) verified: no partial plaintext on failure.
                    await EnvelopeCipher.DecryptToFileAsync(input, path, options, overwrite: true).ConfigureAwait(false);
                }
                else
                {
                    using (Stream stdout = inv.Console.OpenOut())
                    {
                        await EnvelopeCipher.DecryptAsync(input, stdout, options).ConfigureAwait(false);
                    }
                }
            }

            return 0;
        }

        private static async Task<EnvelopeMessageInfo> EncryptBase64Async(Stream input, Stream output, EnvelopeEncryptOptions options)
        {
            EnvelopeMessageInfo info;
            using (var base64 = new CryptoStream(new NonClosingStream(output), new ToBase64Transform(), CryptoStreamMode.Write))
            {
                info = await EnvelopeCipher.EncryptAsync(input, base64, options).ConfigureAwait(false);
            }

            output.WriteByte((byte)'\n');
            return info;
        }

        private static async Task<EnvelopeMessageInfo> WriteOutputAsync(CliInvocation inv, Func<Stream, Task<EnvelopeMessageInfo>> write)
        {
            string? path = OutPath(inv);
            if (path == null)
            {
                using (Stream stdout = inv.Console.OpenOut())
                {
                    EnvelopeMessageInfo info = await write(stdout).ConfigureAwait(false);
                    await stdout.FlushAsync().ConfigureAwait(false);
                    return info;
                }
            }

            return await EnvelopeCipher.WriteViaTempAsync(path, overwrite: true, write).ConfigureAwait(false);
        }

        private static Stream OpenInput(CliInvocation inv)
        {
            string? path = inv.Get("in");
            if (path == null || path == "-")
            {
                return inv.Console.OpenIn();
            }

            if (Directory.Exists(path))
            {
                throw new SshKmsException("FileReadFailed", SshKmsErrorCategory.ReadError, $"Could not read {path}: it is a directory.");
            }

            try
            {
                return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new SshKmsException("FileReadFailed", SshKmsErrorCategory.ReadError, $"Could not read {path}: {ex.Message}");
            }
        }

        private static string? OutPath(CliInvocation inv)
        {
            string? path = inv.Get("out");
            return path == null || path == "-" ? null : path;
        }

        private static Dictionary<string, string> ToDictionary(IReadOnlyList<KeyValuePair<string, string>> pairs)
        {
            var d = new Dictionary<string, string>();
            foreach (KeyValuePair<string, string> p in pairs)
            {
                if (d.ContainsKey(p.Key))
                {
                    throw new SshKmsException("CliOptionInvalid", SshKmsErrorCategory.InvalidArgument, $"--context {p.Key} is given twice.");
                }

                d[p.Key] = p.Value;
            }

            return d;
        }

        /// <summary>Lets the base64 CryptoStream flush its final block without closing stdout or the file under it.</summary>
        private sealed class NonClosingStream : Stream
        {
            private readonly Stream _inner;

            public NonClosingStream(Stream inner)
            {
                _inner = inner;
            }

            public override bool CanRead => false;

            public override bool CanSeek => false;

            public override bool CanWrite => true;

            public override long Length => throw new NotSupportedException();

            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

            public override void Flush() => _inner.Flush();

            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);
        }
    }
}
