using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace SshKms.Core.Sessions
{
    /// <summary>
    /// SSH.NET in this process: the session key and its certificate go to the client from memory, so no process is
    /// started, no file is written and no agent socket is opened. Host keys are checked against known_hosts (the
    /// UserKnownHostsFile option when given, else the user's), strictly unless accept-new was asked for. ssh_config
    /// does not apply: only the user, port, UserKnownHostsFile and ConnectTimeout options are read.
    /// </summary>
    internal sealed class ManagedSshTransport : ISshTransport
    {
        private const int DefaultPort = 22;

        public Task<string?> ResolveLoginUserAsync(SshEndpoint endpoint, SshSessionOptions options, CancellationToken cancellationToken) =>
            Task.FromResult<string?>(LoginUser(endpoint));

        public async Task<SshProcessResult> RunAsync(SshEndpoint endpoint, SessionCredentials credentials, SshSessionOptions options, SshOutputSink sink,
            CancellationToken cancellationToken)
        {
            if (options.Command == null)
            {
                throw Unsupported("an interactive shell");
            }

            string host = SshSession.HostOf(endpoint.Destination);
            int port = endpoint.Port ?? DefaultPort;
            string knownHosts = Option(options, "UserKnownHostsFile") ?? KnownHosts.UserFile();
            HostKeyVerdict verdict = HostKeyVerdict.Known;
            var stopwatch = Stopwatch.StartNew();
            using (PrivateKeyFile key = KeyFile(credentials))
            {
                var connection = new ConnectionInfo(host, port, LoginUser(endpoint), new PrivateKeyAuthenticationMethod(LoginUser(endpoint), key));
                if (int.TryParse(Option(options, "ConnectTimeout"), out int seconds) && seconds > 0)
                {
                    connection.Timeout = TimeSpan.FromSeconds(seconds);
                }

                using (var client = new SshClient(connection))
                {
                    client.HostKeyReceived += (_, e) =>
                    {
                        verdict = KnownHosts.Check(knownHosts, host, port, e.HostKey);
                        if (verdict == HostKeyVerdict.Unknown && options.AcceptNewHostKey)
                        {
                            KnownHosts.Add(knownHosts, host, port, e.HostKey);
                            verdict = HostKeyVerdict.Known;
                        }

                        e.CanTrust = verdict == HostKeyVerdict.Known;
                    };
                    try
                    {
                        await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
                        using (SshCommand command = client.CreateCommand(options.Command))
                        {
                            await command.ExecuteAsync(cancellationToken).ConfigureAwait(false);
                            var result = new SshProcessResult
                            {
                                // No exit status: the command was killed by a signal, which ssh reports as 255.
                                ExitCode = command.ExitStatus ?? 255,
                                Output = command.Result,
                                Error = command.Error,
                                Duration = stopwatch.Elapsed,
                            };
                            if (options.InheritStdio)
                            {
                                // This process's own output, as ssh would write it; nothing is kept (stdin is not forwarded).
                                Console.Out.Write(result.Output);
                                Console.Error.Write(result.Error);
                                result.Output = result.Error = string.Empty;
                            }
                            else
                            {
                                Stream(result.Output, sink.OnOutputLine);
                                Stream(result.Error, sink.OnErrorLine);
                            }

                            return result;
                        }
                    }
                    catch (Exception ex) when (!(ex is OperationCanceledException) && Classify(ex, verdict) is string id)
                    {
                        return new SshProcessResult { ExitCode = 255, ErrorId = id, ErrorMessage = MessageFor(id, ex), Duration = stopwatch.Elapsed };
                    }
                }
            }
        }

        public Task<SshProcessResult> CopyAsync(SshEndpoint endpoint, SessionCredentials credentials, SshSessionOptions options, IReadOnlyList<string> sources,
            string destination, SshOutputSink sink, CancellationToken cancellationToken) =>
            throw Unsupported("copying files");

        private static SshKmsException Unsupported(string what) =>
            new SshKmsException("SessionTransportUnsupported", SshKmsErrorCategory.NotImplemented,
                $"The in-process (Managed) transport does not do {what} yet; use the OpenSsh transport.");

        /// <summary>user@host, then the endpoint's user, then the local user: what ssh would pick without ssh_config.</summary>
        private static string LoginUser(SshEndpoint endpoint)
        {
            int at = endpoint.Destination.LastIndexOf('@');
            return endpoint.UserName ?? (at > 0 ? endpoint.Destination.Substring(0, at) : Environment.UserName);
        }

        /// <summary>The last value given for an ssh option, as ssh's -o; names are case-insensitive.</summary>
        private static string? Option(SshSessionOptions options, string name) =>
            options.SshOptions.LastOrDefault(o => string.Equals(o.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

        /// <summary>The key (and certificate) as SSH.NET reads them, from memory; the PEM bytes are wiped once read.</summary>
        private static PrivateKeyFile KeyFile(SessionCredentials credentials)
        {
            byte[] pem = Encoding.UTF8.GetBytes(credentials.Key.ToOpenSshFormat());
            try
            {
                using (var keyStream = new MemoryStream(pem, false))
                {
                    if (credentials.Certificate == null)
                    {
                        return new PrivateKeyFile(keyStream);
                    }

                    using (var certStream = new MemoryStream(Encoding.ASCII.GetBytes(credentials.Certificate.ToString())))
                    {
                        return new PrivateKeyFile(keyStream, null, certStream);
                    }
                }
            }
            finally
            {
                Array.Clear(pem, 0, pem.Length);
            }
        }

        /// <summary>The ErrorId the OpenSsh path gives for the same failure, from the exception's type and our host-key verdict.</summary>
        private static string? Classify(Exception ex, HostKeyVerdict verdict)
        {
            if (verdict == HostKeyVerdict.Mismatch)
            {
                return "HostKeyMismatch";
            }

            if (verdict == HostKeyVerdict.Unknown)
            {
                return "HostKeyUnknown";
            }

            return ex is SshAuthenticationException ? "LoginRefused"
                : ex is SocketException || ex is SshOperationTimeoutException || ex is SshConnectionException || ex is TimeoutException ? "HostUnreachable"
                : ex is SshException ? "SshFailed"
                : null;
        }

        private static string MessageFor(string id, Exception ex) => id switch
        {
            "HostKeyMismatch" => OpenSshClient.HostKeyMismatchMessage,
            "HostKeyUnknown" => OpenSshClient.HostKeyUnknownMessage,
            "LoginRefused" => OpenSshClient.LoginRefusedMessage,
            "HostUnreachable" => "The host could not be reached: " + ex.Message,
            _ => "The SSH connection failed: " + ex.Message,
        };

        private static void Stream(string text, Action<string>? onLine)
        {
            if (onLine == null || text.Length == 0)
            {
                return;
            }

            foreach (string line in text.TrimEnd('\n').Split('\n'))
            {
                onLine(line);
            }
        }
    }
}
