using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Envelope;

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
            using (var stdio = new Stdio(inv))
            {
                ProtectResult result = await ProtectOperation.RunAsync(new ProtectOptions
                {
                    KeyId = inv.Require("key"),
                    Context = ToDictionary(inv.GetPairs("context")),
                    Signed = inv.Has("signed"),
                    CreateKey = inv.Has("create"),
                    InputPath = stdio.InputPath,
                    Input = stdio.Input,
                    OutputPath = stdio.OutputPath,
                    Overwrite = true,
                    Output = stdio.Output,
                    Base64 = inv.Has("base64"),
                    Aws = inv.Aws,
                }, default).ConfigureAwait(false);
                inv.WarnIfCreated(result.CreatedKey);
            }

            return 0;
        }

        private static async Task<int> DecryptAsync(CliInvocation inv)
        {
            using (var stdio = new Stdio(inv))
            {
                // A file output is written under a temp name and renamed after the whole message (and its signature) verified.
                (await UnprotectOperation.RunAsync(new UnprotectOptions
                {
                    AllowedKeys = inv.GetAll("key").ToArray(),
                    ExpectedContext = ToDictionary(inv.GetPairs("context")),
                    MaxEncryptedDataKeys = inv.GetInt("max-encrypted-data-keys"),
                    DiscoveryAccountIds = inv.GetAll("account-id").ToArray(),
                    DiscoveryPartition = inv.Get("partition"),
                    InputPath = stdio.InputPath,
                    Input = stdio.Input,
                    OutputPath = stdio.OutputPath,
                    Overwrite = true,
                    Output = stdio.Output,
                    Aws = inv.Aws,
                }, default).ConfigureAwait(false)).Dispose();
            }

            return 0;
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

        /// <summary>--in and --out: a path, or "-" / nothing for standard input and output, opened only when used.</summary>
        private sealed class Stdio : IDisposable
        {
            public Stdio(CliInvocation inv)
            {
                string? inPath = inv.Get("in");
                string? outPath = inv.Get("out");
                InputPath = inPath == "-" ? null : inPath;
                OutputPath = outPath == "-" ? null : outPath;
                Input = InputPath == null ? inv.Console.OpenIn() : null;
                Output = OutputPath == null ? inv.Console.OpenOut() : null;
            }

            public string? InputPath { get; }

            public string? OutputPath { get; }

            public Stream? Input { get; }

            public Stream? Output { get; }

            public void Dispose()
            {
                Input?.Dispose();
                Output?.Dispose();
            }
        }
    }
}
