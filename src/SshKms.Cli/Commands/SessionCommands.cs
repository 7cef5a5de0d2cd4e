using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Authority;
using SshKms.Core.Sessions;

namespace SshKms.Cli.Commands
{
    /// <summary>`sshkms ssh` and `sshkms scp`: the system OpenSSH client with a per-session key and certificate served by our agent.</summary>
    internal static class SessionCommands
    {
        private const string SshUsage = "sshkms ssh (--ca URI | --secret-id ID) [--user U] [--port P] [--validity 5m] [--key-type ecdsa|ed25519] [--parallel N] [--transport auto|openssh|managed] [--accept-new-host-key] [--revoked-host-keys FILE] "
            + "[--ssh-option KEY=VALUE]... [--ssh-config FILE] [--json] HOST... [-- COMMAND...]";

        private const string ScpUsage = "sshkms scp (--ca URI | --secret-id ID) [--user U] [--port P] [--validity 5m] [--transport auto|openssh|managed] [--accept-new-host-key] [--revoked-host-keys FILE] [--ssh-option KEY=VALUE]... [--ssh-config FILE] SRC... DEST";

        public static IEnumerable<CliCommand> All => new[]
        {
            new CliCommand("ssh", SshUsage, SharedOptions().Concat(new[] { new OptionSpec("parallel"), OptionSpec.Flag("json"), new OptionSpec("key-type") }).ToArray(),
                RunSshAsync, minPositionals: 1, maxPositionals: int.MaxValue, acceptsDashDash: true),
            new CliCommand("scp", ScpUsage, SharedOptions().ToArray(), RunScpAsync, minPositionals: 2, maxPositionals: int.MaxValue),
        };

        private static IEnumerable<OptionSpec> SharedOptions() => new[]
        {
            new OptionSpec("ca"), new OptionSpec("secret-id"), new OptionSpec("user"), new OptionSpec("port"), new OptionSpec("validity"),
            OptionSpec.Flag("accept-new-host-key"), OptionSpec.Many("ssh-option"), new OptionSpec("ssh-config"), new OptionSpec("transport"),
            new OptionSpec("revoked-host-keys"),
        };

        private static async Task<int> RunSshAsync(CliInvocation inv)
        {
            OpenSessionOptions options = MapLogin(inv, new OpenSessionOptions
            {
                Targets = inv.Positionals.Select(h => new SshTarget(h)).ToList(),
                Command = inv.AfterDashDash.Count == 0 ? null : string.Join(" ", inv.AfterDashDash),
                KeyType = inv.Get("key-type"),
                ThrottleLimit = inv.GetInt("parallel"),
            });
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

            options.OnResult = r =>
            {
                lock (gate)
                {
                    if (json)
                    {
                        inv.Out.WriteLine(ToJson(r));
                    }
                    else
                    {
                        WriteHostError(inv, r);
                    }
                }
            };
            using (var cancel = new CancellationSource())
            {
                options.CancelReason = () => cancel.Reason;
                IReadOnlyList<SshSessionResult> results = await OpenSessionOperation.RunAsync(options, cancel.Token).ConfigureAwait(false);
                return results.Max(r => ExitCodeOf(r));
            }
        }

        /// <summary>--transport, as every command that logs in over SSH takes it; Core's parser, so the cmdlets give the same id.</summary>
        internal static SshTransportKind TransportOf(CliInvocation inv) => SshTransportNames.Parse(inv.Get("transport"));

        /// <summary>--revoked-host-keys, as every command that logs in over SSH takes it.</summary>
        internal static string? RevokedHostKeysOf(CliInvocation inv) => inv.Get("revoked-host-keys") is string revoked ? System.IO.Path.GetFullPath(revoked) : null;

        private static async Task<int> RunScpAsync(CliInvocation inv)
        {
            CopyFilesOptions options = MapLogin(inv, new CopyFilesOptions
            {
                Sources = inv.Positionals.Take(inv.Positionals.Count - 1).ToArray(),
                Destination = inv.Positionals.Last(),
                OnOutputLine = (_, line) => inv.Out.WriteLine(line),
                OnErrorLine = (_, line) => inv.Err.WriteLine(line),
            });
            using (var cancel = new CancellationSource())
            {
                options.CancelReason = () => cancel.Reason;
                SshSessionResult r = await CopyFilesOperation.RunAsync(options, cancel.Token).ConfigureAwait(false);
                WriteHostError(inv, r);
                return ExitCodeOf(r);
            }
        }

        /// <summary>The options ssh and scp share onto an operation's options.</summary>
        private static T MapLogin<T>(CliInvocation inv, T options)
            where T : SshLoginOptions
        {
            options.UserName = inv.Get("user");
            options.Port = inv.GetInt("port");
            options.CaKey = inv.Get("ca");
            options.SecretId = inv.Get("secret-id");
            options.Validity = inv.Get("validity") is string v ? ValidityParser.Parse(v) : (TimeSpan?)null;
            options.SshOptions = inv.GetPairs("ssh-option").ToList();
            options.ConfigFile = inv.Get("ssh-config");
            options.AcceptNewHostKey = inv.Has("accept-new-host-key");
            options.RevokedHostKeys = RevokedHostKeysOf(inv);
            options.Transport = TransportOf(inv);
            options.OnKeyCreated = inv.WarnIfCreated;
            options.Aws = inv.Aws;
            return options;
        }

        private static void WriteHostError(CliInvocation inv, SshSessionResult r)
        {
            if (r.ErrorId != null)
            {
                inv.Err.WriteLine($"sshkms: {r.HostName}: {r.ErrorMessage} [{r.ErrorId}]");
            }
        }

        /// <summary>Never-ran (-1) becomes 1 so a failure is never mistaken for success or a signal.</summary>
        private static int ExitCodeOf(SshSessionResult r) => r.ExitCode < 0 ? 1 : r.ExitCode;

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
