using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Authority;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;
using SshKms.Core.Rotation;
using SshKms.Core.Sessions;

namespace SshKms.Cli.Commands
{
    /// <summary>`sshkms ssh` and `sshkms scp`: the system OpenSSH client with a per-session key and certificate served by our agent.</summary>
    internal static class SessionCommands
    {
        private const string SshUsage = "sshkms ssh (--ca URI | --secret-id ID) [--user U] [--port P] [--validity 5m] [--key-type ecdsa|ed25519] [--parallel N] [--accept-new-host-key] "
            + "[--ssh-option KEY=VALUE]... [--ssh-config FILE] [--json] HOST... [-- COMMAND...]";

        private const string ScpUsage = "sshkms scp (--ca URI | --secret-id ID) [--user U] [--port P] [--validity 5m] [--accept-new-host-key] [--ssh-option KEY=VALUE]... [--ssh-config FILE] SRC... DEST";

        /// <summary>--secret-id logs in with the stored key; otherwise each host gets a fresh key certified by --ca (the default local CA).</summary>
        private static async Task<SshSession> OpenSessionAsync(CliInvocation inv, SshSessionOptions options, CancellationToken ct)
        {
            string? secretId = inv.Get("secret-id");
            if (secretId != null)
            {
                if (inv.Has("ca"))
                {
                    throw new SshKmsException("CliUsage", SshKmsErrorCategory.InvalidArgument, "Give --ca (a certificate) or --secret-id (a stored key), not both.");
                }

                return await SecretKeySource.OpenSessionAsync(inv.Aws, secretId, options, ct).ConfigureAwait(false);
            }

            // Never a named local CA made here: no server could trust it. local:default is made on first use, as for certificates.
            CertificateAuthority authority = await CertificateAuthority.OpenAsync(KeyUri.ParseOrDefaultCa(inv.Get("ca")), inv.Aws, ct).ConfigureAwait(false);
            inv.WarnIfCreated(authority.CreatedKey);
            return SshSession.WithAuthority(authority, options);
        }

        public static IEnumerable<CliCommand> All => new[]
        {
            new CliCommand("ssh", SshUsage, SharedOptions().Concat(new[] { new OptionSpec("parallel"), OptionSpec.Flag("json"), new OptionSpec("key-type") }).ToArray(),
                RunSshAsync, minPositionals: 1, maxPositionals: int.MaxValue, acceptsDashDash: true),
            new CliCommand("scp", ScpUsage, SharedOptions().ToArray(), RunScpAsync, minPositionals: 2, maxPositionals: int.MaxValue),
        };

        private static IEnumerable<OptionSpec> SharedOptions() => new[]
        {
            new OptionSpec("ca"), new OptionSpec("secret-id"), new OptionSpec("user"), new OptionSpec("port"), new OptionSpec("validity"),
            OptionSpec.Flag("accept-new-host-key"), OptionSpec.Many("ssh-option"), new OptionSpec("ssh-config"),
        };

        private static async Task<int> RunSshAsync(CliInvocation inv)
        {
            SshSessionOptions options = ReadOptions(inv);
            options.Command = inv.AfterDashDash.Count == 0 ? null : string.Join(" ", inv.AfterDashDash);
            options.KeyAlgorithm = ParseKeyType(inv.Get("key-type"));
            options.ThrottleLimit = inv.GetInt("parallel") ?? 16;
            if (options.ThrottleLimit < 1)
            {
                throw new SshKmsException("CliOptionInvalid", SshKmsErrorCategory.InvalidArgument, "--parallel takes a number of at least 1.");
            }

            bool json = inv.Has("json");
            bool prefix = inv.Positionals.Count > 1;
            object gate = new object();

            // One host on a real console: ssh gets our stdin, stdout and stderr as they are, so binary output, a last
            // line without a newline and `... | sshkms ssh host -- 'cat > f'` all work as with ssh itself.
            options.InheritStdio = !json && !prefix && options.Command != null && inv.Console.IsProcessStdio;
            if (!json && options.Command != null && !options.InheritStdio)
            {
                options.OnOutputLine = (host, line) => { lock (gate) { inv.Out.WriteLine(prefix ? host + ": " + line : line); } };
                options.OnErrorLine = (host, line) => { lock (gate) { inv.Err.WriteLine(prefix ? host + ": " + line : line); } };
            }

            using (var cancel = new CancellationSource())
            {
                options.CancelReason = () => cancel.Reason;
                SshSession session = await OpenSessionAsync(inv, options, cancel.Token).ConfigureAwait(false);
                IReadOnlyList<SshSessionResult> results = await session.RunAsync(inv.Positionals, r =>
                {
                    lock (gate)
                    {
                        if (json)
                        {
                            inv.Out.WriteLine(ToJson(r));
                        }
                        else if (r.ErrorId != null)
                        {
                            inv.Err.WriteLine($"sshkms: {r.HostName}: {r.ErrorMessage} [{r.ErrorId}]");
                        }
                    }
                }, cancel.Token).ConfigureAwait(false);
                return results.Max(r => ExitCodeOf(r));
            }
        }

        private static async Task<int> RunScpAsync(CliInvocation inv)
        {
            SshSessionOptions options = ReadOptions(inv);
            options.Command = string.Empty;
            options.OnOutputLine = (_, line) => inv.Out.WriteLine(line);
            options.OnErrorLine = (_, line) => inv.Err.WriteLine(line);
            using (var cancel = new CancellationSource())
            {
                options.CancelReason = () => cancel.Reason;
                SshSession session = await OpenSessionAsync(inv, options, cancel.Token).ConfigureAwait(false);
                List<string> sources = inv.Positionals.Take(inv.Positionals.Count - 1).ToList();
                SshSessionResult r = await session.CopyAsync(sources, inv.Positionals.Last(), cancel.Token).ConfigureAwait(false);
                if (r.ErrorId != null)
                {
                    inv.Err.WriteLine($"sshkms: {r.HostName}: {r.ErrorMessage} [{r.ErrorId}]");
                }

                return ExitCodeOf(r);
            }
        }

        private static SshSessionOptions ReadOptions(CliInvocation inv)
        {
            var options = new SshSessionOptions
            {
                UserName = inv.Get("user"),
                Port = inv.GetInt("port"),
                Validity = ValidityParser.Parse(inv.Get("validity") ?? "5m"),
                AcceptNewHostKey = inv.Has("accept-new-host-key"),
                ConfigFile = inv.Get("ssh-config"),
            };
            foreach (KeyValuePair<string, string> pair in inv.GetPairs("ssh-option"))
            {
                options.SshOptions.Add(pair);
            }

            return options;
        }

        /// <summary>Never-ran (-1) becomes 1 so a failure is never mistaken for success or a signal.</summary>
        private static int ExitCodeOf(SshSessionResult r) => r.ExitCode < 0 ? 1 : r.ExitCode;

        internal static SshKeyAlgorithm ParseKeyType(string? text)
        {
            SshKeyAlgorithm algorithm = text == null ? SshKeyAlgorithm.EcdsaP256 : SshPrivateKey.ParseAlgorithm(text);
            if (algorithm != SshKeyAlgorithm.EcdsaP256 && algorithm != SshKeyAlgorithm.Ed25519)
            {
                throw new SshKmsException("CliOptionInvalid", SshKmsErrorCategory.InvalidArgument, "--key-type takes ecdsa (P-256) or ed25519 for session keys.");
            }

            return algorithm;
        }

        private static string ToJson(SshSessionResult r) => JsonSerializer.Serialize(new
        {
            hostName = r.HostName,
            exitCode = r.ExitCode,
            output = r.Output,
            error = r.Error,
            durationMs = (long)r.Duration.TotalMilliseconds,
            principal = r.Principal,
            certificateSerial = r.CertificateSerial,
            keyId = r.KeyId,
            errorId = r.ErrorId,
            errorMessage = r.ErrorMessage,
        });

        /// <summary>Ctrl+C and SIGTERM cancel the run, so ssh is stopped and the agent's socket and key are removed before we exit.</summary>
        private sealed class CancellationSource : IDisposable
        {
            private readonly CancellationTokenSource _cts = new CancellationTokenSource();
            private readonly System.Runtime.InteropServices.PosixSignalRegistration? _term;
            private readonly System.Runtime.InteropServices.PosixSignalRegistration? _hangUp;

            public CancellationSource()
            {
                Console.CancelKeyPress += OnCancel;
                _term = TryRegister(System.Runtime.InteropServices.PosixSignal.SIGTERM);
                // A closed terminal: stop ssh and remove the agent's socket folder like any other cancel.
                _hangUp = TryRegister(System.Runtime.InteropServices.PosixSignal.SIGHUP);
            }

            public CancellationToken Token => _cts.Token;

            /// <summary>The signal that cancelled the run, for the session.ended event.</summary>
            public string Reason { get; private set; } = "cancelled";

            private System.Runtime.InteropServices.PosixSignalRegistration? TryRegister(System.Runtime.InteropServices.PosixSignal signal)
            {
                try
                {
                    return System.Runtime.InteropServices.PosixSignalRegistration.Create(signal, ctx =>
                    {
                        ctx.Cancel = true;
                        Reason = signal.ToString();
                        _cts.Cancel();
                    });
                }
                catch (PlatformNotSupportedException)
                {
                    return null;
                }
            }

            private void OnCancel(object? sender, ConsoleCancelEventArgs e)
            {
                e.Cancel = true;
                Reason = "SIGINT";
                _cts.Cancel();
            }

            public void Dispose()
            {
                Console.CancelKeyPress -= OnCancel;
                _term?.Dispose();
                _hangUp?.Dispose();
                _cts.Dispose();
            }
        }
    }
}
