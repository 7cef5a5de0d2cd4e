using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Audit;
using SshKms.Core.Authority;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Sessions
{
    /// <summary>
    /// Runs ssh on hosts with credentials that live only for the run: per host, a key generated in memory and a
    /// short-lived certificate for the remote user, served to the system ssh by an in-process agent, wiped after.
    /// </summary>
    public sealed class SshSession
    {
        private readonly Func<string, CancellationToken, Task<SessionCredentials>> _credentials;
        private readonly ISshTransport _transport;
        private SessionAuditTrail? _audit;

        private SshSession(SshSessionOptions options, Func<string, CancellationToken, Task<SessionCredentials>> credentials)
        {
            Options = options ?? throw new ArgumentNullException(nameof(options));
            _credentials = credentials;
            _transport = TransportFor(options.Transport);
        }

        /// <summary>
        /// Auto prefers the system ssh (ssh_config, ProxyJump apply) and falls back to the in-process client without it,
        /// or where this runtime cannot serve the key to ssh (Windows PowerShell 5.1).
        /// </summary>
        private static ISshTransport TransportFor(SshTransportKind kind)
        {
            if (kind == SshTransportKind.Managed || kind == SshTransportKind.Auto && (!SshAgentServer.IsSupported || OpenSshClient.TryFind("ssh") == null))
            {
                return new ManagedSshTransport();
            }

            if (!SshAgentServer.IsSupported)
            {
                throw SshAgentServer.OpenSshUnsupported();
            }

            return kind == SshTransportKind.Auto ? new AutoSshTransport() : (ISshTransport)new OpenSshTransport();
        }

        public SshSessionOptions Options { get; }

        /// <summary>A fresh key and a certificate for the remote user, minted per host.</summary>
        public static SshSession WithCertificates(CertificateMinter minter, SshSessionOptions options)
        {
            if (minter == null)
            {
                throw new ArgumentNullException(nameof(minter));
            }

            return new SshSession(options, (principal, ct) => MintAsync(minter, options, principal, ct));
        }

        /// <summary>A stored key (no certificate), fetched for each host and wiped after it.</summary>
        public static SshSession WithKey(Func<CancellationToken, Task<SshPrivateKey>> keySource, SshSessionOptions options)
        {
            if (keySource == null)
            {
                throw new ArgumentNullException(nameof(keySource));
            }

            return new SshSession(options, async (_, ct) => new SessionCredentials(await keySource(ct).ConfigureAwait(false), null));
        }

        /// <summary>Certificates from <paramref name="authority"/>, and each host's end recorded in its journal under its operator.</summary>
        public static SshSession WithAuthority(CertificateAuthority authority, SshSessionOptions options)
        {
            SshSession session = WithCertificates((authority ?? throw new ArgumentNullException(nameof(authority))).IssueAsync, options);
            return authority.Journal == null ? session : session.RecordTo(authority.Journal, authority.Operator, authority.Key.Uri.ToString());
        }

        /// <summary>
        /// Appends a session.ended event per host to <paramref name="journal"/>, naming the operator and the credential
        /// (a CA key URI or a secret); with the certificate serial it ties the session to its certificate.issued event.
        /// </summary>
        public SshSession RecordTo(AuditJournal journal, string operatorIdentity, string credential)
        {
            _audit = new SessionAuditTrail(journal, operatorIdentity, credential);
            return this;
        }

        private static async Task<SessionCredentials> MintAsync(CertificateMinter minter, SshSessionOptions options, string principal, CancellationToken ct)
        {
            SshPrivateKey key = SshPrivateKey.Generate(options.KeyAlgorithm, "sshkms-session");
            try
            {
                var request = new CertificateRequest(key.PublicKey) { Validity = options.Validity };
                request.Principals.Add(principal);
                SshCertificate certificate = await minter(request, ct).ConfigureAwait(false);
                return new SessionCredentials(key, certificate);
            }
            catch
            {
                key.Dispose();
                throw;
            }
        }

        /// <summary>
        /// Runs on every host, at most <see cref="SshSessionOptions.ThrottleLimit"/> at once, and reports each result
        /// through <paramref name="onResult"/> as it finishes. Returns the results in the order of the hosts.
        /// </summary>
        public Task<IReadOnlyList<SshSessionResult>> RunAsync(IEnumerable<string> hosts, Action<SshSessionResult>? onResult, CancellationToken cancellationToken) =>
            RunAsync((hosts ?? throw new ArgumentNullException(nameof(hosts))).Select(h => new SshTarget(h)), onResult, cancellationToken);

        /// <summary>As <see cref="RunAsync(IEnumerable{string}, Action{SshSessionResult}, CancellationToken)"/>, each target's own user and port over the options'.</summary>
        public async Task<IReadOnlyList<SshSessionResult>> RunAsync(IEnumerable<SshTarget> targets, Action<SshSessionResult>? onResult, CancellationToken cancellationToken)
        {
            List<SshTarget> list = (targets ?? throw new ArgumentNullException(nameof(targets))).ToList();
            EnsureOneHostIfInteractive(Options.Command, list.Count);

            using (var throttle = new SemaphoreSlim(Math.Max(1, Options.ThrottleLimit)))
            {
                Task<SshSessionResult>[] tasks = list.Select(async target =>
                {
                    await throttle.WaitAsync(cancellationToken).ConfigureAwait(false);
                    try
                    {
                        SshSessionResult result = await RunHostAsync(target, cancellationToken).ConfigureAwait(false);
                        onResult?.Invoke(result);
                        return result;
                    }
                    finally
                    {
                        throttle.Release();
                    }
                }).ToArray();
                return await Task.WhenAll(tasks).ConfigureAwait(false);
            }
        }

        /// <summary>One host: credentials, agent, ssh, then the agent and key are gone, whatever happened.</summary>
        public Task<SshSessionResult> RunHostAsync(string host, CancellationToken cancellationToken) => RunHostAsync(new SshTarget(host), cancellationToken);

        public Task<SshSessionResult> RunHostAsync(SshTarget target, CancellationToken cancellationToken)
        {
            var endpoint = new SshEndpoint(target.Host, target.UserName ?? Options.UserName, target.Port ?? Options.Port);
            return RunThroughTransportAsync(endpoint, "ssh", (credentials, sink) => _transport.RunAsync(endpoint, credentials, Options, sink, cancellationToken),
                cancellationToken);
        }

        /// <summary>scp with the same kind of credentials; host:path on either side.</summary>
        public Task<SshSessionResult> CopyAsync(IReadOnlyList<string> sources, string destination, CancellationToken cancellationToken)
        {
            string remote = ScpDestination(sources.Concat(new[] { destination })) ?? throw NoRemoteOperand();
            var endpoint = new SshEndpoint(remote, Options.UserName, Options.Port);
            return RunThroughTransportAsync(endpoint, "scp", (credentials, sink) => _transport.CopyAsync(endpoint, credentials, Options, sources, destination, sink,
                cancellationToken), cancellationToken);
        }

        /// <summary>A terminal is one host's: a shell without a command cannot run on several hosts.</summary>
        internal static void EnsureOneHostIfInteractive(string? command, int hosts)
        {
            if (command == null && hosts > 1)
            {
                throw new SshKmsException("SessionInteractiveManyHosts", SshKmsErrorCategory.InvalidArgument,
                    "An interactive session takes one host; give a command to run on several.");
            }
        }

        internal static SshKmsException NoRemoteOperand() =>
            new SshKmsException("CopyNoRemote", SshKmsErrorCategory.InvalidArgument, "Neither the sources nor the destination names a remote host:path.");

        /// <summary>"[user@]host" of the first "[user@]host:path" operand.</summary>
        internal static string? ScpDestination(IEnumerable<string> operands) =>
            operands.Where(IsRemoteOperand).Select(op => op.Substring(0, op.IndexOf(':'))).FirstOrDefault();

        /// <summary>"[user@]host:path" is remote; a local path with a drive letter or a slash before ':' is not.</summary>
        public static bool IsRemoteOperand(string operand)
        {
            int colon = operand.IndexOf(':');
            int slash = operand.IndexOf('/');
            return colon > 1 && (slash < 0 || slash > colon);
        }

        /// <summary>The host alone, as results name it: "user@host" gives "host".</summary>
        internal static string HostOf(string destination)
        {
            int at = destination.LastIndexOf('@');
            return at >= 0 ? destination.Substring(at + 1) : destination;
        }

        /// <summary>One host: credentials, the transport's run, then the key is gone, whatever happened; the end is audited.</summary>
        private async Task<SshSessionResult> RunThroughTransportAsync(SshEndpoint endpoint, string program,
            Func<SessionCredentials, SshOutputSink, Task<SshProcessResult>> run, CancellationToken cancellationToken)
        {
            var result = new SshSessionResult { HostName = HostOf(endpoint.Destination), Principal = endpoint.UserName ?? Environment.UserName, ExitCode = -1 };
            int? port = endpoint.Port;
            var started = DateTime.UtcNow;
            bool sshStarted = false;
            try
            {
                if (port.HasValue && (port < 1 || port > 65535))
                {
                    throw new SshKmsException("SshPortInvalid", SshKmsErrorCategory.InvalidArgument, $"{port} is not a TCP port (1 to 65535).");
                }

                // The certificate's principal must be the user ssh will log in as, which user@host, -l, -o User and
                // ssh_config's User all decide; the transport resolves them exactly as the real run will.
                _audit?.EnsureWritable();
                result.Principal = await _transport.ResolveLoginUserAsync(endpoint, Options, cancellationToken).ConfigureAwait(false) ?? result.Principal;
                SessionCredentials credentials = await _credentials(result.Principal, cancellationToken).ConfigureAwait(false);
                result.CertificateSerial = credentials.Certificate?.Serial;
                result.KeyId = credentials.Certificate?.KeyId;
                sshStarted = true;
                var sink = new SshOutputSink
                {
                    OnOutputLine = Options.OnOutputLine == null ? null : new Action<string>(line => Options.OnOutputLine(result.HostName, line)),
                    OnErrorLine = Options.OnErrorLine == null ? null : new Action<string>(line => Options.OnErrorLine(result.HostName, line)),
                };
                SshProcessResult outcome = await run(credentials, sink).ConfigureAwait(false);
                result.ExitCode = outcome.ExitCode;
                result.Output = outcome.Output;
                result.Error = outcome.Error;
                result.ErrorId = outcome.ErrorId;
                result.ErrorMessage = outcome.ErrorMessage;
            }
            catch (SshKmsException ex) when (ex.ErrorId != "SshClientNotFound" && ex.ErrorId != "ProcessStartFailed" && ex.ErrorId != "SshOptionInvalid")
            {
                // A per-host failure (e.g. the CA refused this principal); the other hosts go on.
                result.ErrorId = ex.ErrorId;
                result.ErrorMessage = ex.Message;
            }
            catch (OperationCanceledException) when (sshStarted && _audit != null)
            {
                // The remote command may have run: its end is recorded before the cancellation goes on.
                result.Duration = DateTime.UtcNow - started;
                _audit.RecordCancelled(result, program, port, program == "ssh" ? Options.Command : null, Options.CancelReason?.Invoke() ?? "cancelled");
                throw;
            }

            result.Duration = DateTime.UtcNow - started;
            _audit?.Record(result, program, port, program == "ssh" ? Options.Command : null);
            return result;
        }
    }
}
