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
    /// <summary>Signs a certificate for a session key: production passes CertificateAuthority.IssueAsync.</summary>
    public delegate Task<SshCertificate> CertificateMinter(CertificateRequest request, CancellationToken cancellationToken);

    /// <summary>What a session does on every host it visits.</summary>
    public sealed class SshSessionOptions
    {
        /// <summary>The remote user and the certificate's principal; null: the local user name.</summary>
        public string? UserName { get; set; }

        public int? Port { get; set; }

        /// <summary>The remote command; null: an interactive shell in the current terminal.</summary>
        public string? Command { get; set; }

        public TimeSpan Validity { get; set; } = TimeSpan.FromMinutes(5);

        public SshKeyAlgorithm KeyAlgorithm { get; set; } = SshKeyAlgorithm.EcdsaP256;

        public int ThrottleLimit { get; set; } = 16;

        /// <summary>Passed to ssh as -o KEY=VALUE, in order.</summary>
        public IList<KeyValuePair<string, string>> SshOptions { get; } = new List<KeyValuePair<string, string>>();

        /// <summary>An ssh_config file instead of the user's (ssh -F); null: the user's own configuration applies.</summary>
        public string? ConfigFile { get; set; }

        /// <summary>Trust a host key that is not known yet (StrictHostKeyChecking=accept-new); a changed key is still refused.</summary>
        public bool AcceptNewHostKey { get; set; }

        /// <summary>Called per line of each host's output, with the host name; from worker threads.</summary>
        public Action<string, string>? OnOutputLine { get; set; }

        public Action<string, string>? OnErrorLine { get; set; }

        internal string EffectiveUser => string.IsNullOrEmpty(UserName) ? Environment.UserName : UserName!;
    }

    /// <summary>One host's outcome. ErrorId is null when ssh reached the host and ran the command (whatever its exit code).</summary>
    public sealed class SshSessionResult
    {
        public string HostName { get; set; } = string.Empty;

        /// <summary>The remote exit code; 255 when ssh itself failed, -1 when it never ran.</summary>
        public int ExitCode { get; set; }

        public string Output { get; set; } = string.Empty;

        public string Error { get; set; } = string.Empty;

        public TimeSpan Duration { get; set; }

        public string Principal { get; set; } = string.Empty;

        public ulong? CertificateSerial { get; set; }

        public string? KeyId { get; set; }

        public string? ErrorId { get; set; }

        public string? ErrorMessage { get; set; }

        public bool Succeeded => ErrorId == null && ExitCode == 0;

        /// <summary>The failure as the one error type, for callers that report errors (cmdlets); null when ssh ran.</summary>
        public SshKmsException? ToException()
        {
            if (ErrorId == null)
            {
                return null;
            }

            SshKmsErrorCategory category = ErrorId == "HostUnreachable" ? SshKmsErrorCategory.ConnectionError
                : ErrorId == "LoginRefused" ? SshKmsErrorCategory.AuthenticationError
                : ErrorId == "HostKeyMismatch" || ErrorId == "HostKeyUnknown" ? SshKmsErrorCategory.SecurityError
                : SshKmsErrorCategory.NotSpecified;
            return new SshKmsException(ErrorId, category, $"{HostName}: {ErrorMessage}");
        }
    }

    /// <summary>The key (and certificate) one agent serves; the session disposes the key.</summary>
    public sealed class SessionCredentials
    {
        public SessionCredentials(SshPrivateKey key, SshCertificate? certificate)
        {
            Key = key;
            Certificate = certificate;
        }

        public SshPrivateKey Key { get; }

        public SshCertificate? Certificate { get; }
    }

    /// <summary>
    /// Runs ssh on hosts with credentials that live only for the run: per host, a key generated in memory and a
    /// short-lived certificate for the remote user, served to the system ssh by an in-process agent, wiped after.
    /// </summary>
    public sealed class SshSession
    {
        private readonly Func<string, CancellationToken, Task<SessionCredentials>> _credentials;
        private readonly AgentIdentities _identities;
        private SessionAuditTrail? _audit;

        private SshSession(SshSessionOptions options, Func<string, CancellationToken, Task<SessionCredentials>> credentials, AgentIdentities identities)
        {
            Options = options ?? throw new ArgumentNullException(nameof(options));
            _credentials = credentials;
            _identities = identities;
        }

        public SshSessionOptions Options { get; }

        /// <summary>A fresh key and a certificate for the remote user, minted per host.</summary>
        public static SshSession WithCertificates(CertificateMinter minter, SshSessionOptions options)
        {
            if (minter == null)
            {
                throw new ArgumentNullException(nameof(minter));
            }

            return new SshSession(options, (principal, ct) => MintAsync(minter, options, principal, ct), AgentIdentities.Certificate);
        }

        /// <summary>A stored key (no certificate), fetched for each host and wiped after it.</summary>
        public static SshSession WithKey(Func<CancellationToken, Task<SshPrivateKey>> keySource, SshSessionOptions options)
        {
            if (keySource == null)
            {
                throw new ArgumentNullException(nameof(keySource));
            }

            return new SshSession(options, async (_, ct) => new SessionCredentials(await keySource(ct).ConfigureAwait(false), null), AgentIdentities.Key);
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
        public async Task<IReadOnlyList<SshSessionResult>> RunAsync(IEnumerable<string> hosts, Action<SshSessionResult>? onResult, CancellationToken cancellationToken)
        {
            List<string> list = (hosts ?? throw new ArgumentNullException(nameof(hosts))).ToList();
            if (Options.Command == null && list.Count > 1)
            {
                throw new SshKmsException("SessionInteractiveManyHosts", SshKmsErrorCategory.InvalidArgument,
                    "An interactive session takes one host; give a command to run on several.");
            }

            using (var throttle = new SemaphoreSlim(Math.Max(1, Options.ThrottleLimit)))
            {
                Task<SshSessionResult>[] tasks = list.Select(async host =>
                {
                    await throttle.WaitAsync(cancellationToken).ConfigureAwait(false);
                    try
                    {
                        SshSessionResult result = await RunHostAsync(host, cancellationToken).ConfigureAwait(false);
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
        public Task<SshSessionResult> RunHostAsync(string host, CancellationToken cancellationToken) =>
            RunThroughAgentAsync(host, agent => OpenSshClient.BuildSshArguments(agent, host, Options.UserName, Options.Port,
                interactive: Options.Command == null, Options.AcceptNewHostKey, Options.SshOptions, Options.Command, Options.ConfigFile), "ssh", Options.Command == null, cancellationToken);

        /// <summary>scp through the same kind of agent; host:path on either side.</summary>
        public Task<SshSessionResult> CopyAsync(IReadOnlyList<string> sources, string destination, CancellationToken cancellationToken)
        {
            string host = ScpHost(sources.Concat(new[] { destination }))
                ?? throw new SshKmsException("CopyNoRemote", SshKmsErrorCategory.InvalidArgument, "Neither the sources nor the destination names a remote host:path.");
            return RunThroughAgentAsync(host, agent => OpenSshClient.BuildScpArguments(agent, Options.UserName, Options.Port, Options.AcceptNewHostKey,
                Options.SshOptions, sources, destination, Options.ConfigFile), "scp", false, cancellationToken);
        }

        /// <summary>The host of the first "[user@]host:path" operand; a local path with a drive letter or a slash before ':' is not one.</summary>
        internal static string? ScpHost(IEnumerable<string> operands)
        {
            foreach (string op in operands)
            {
                int colon = op.IndexOf(':');
                int slash = op.IndexOf('/');
                if (colon > 1 && (slash < 0 || slash > colon))
                {
                    string host = op.Substring(0, colon);
                    int at = host.LastIndexOf('@');
                    return at >= 0 ? host.Substring(at + 1) : host;
                }
            }

            return null;
        }

        private async Task<SshSessionResult> RunThroughAgentAsync(string host, Func<string, List<string>> buildArguments, string program, bool interactive,
            CancellationToken cancellationToken)
        {
            var result = new SshSessionResult { HostName = host, Principal = Options.EffectiveUser, ExitCode = -1 };
            var started = DateTime.UtcNow;
            try
            {
                SessionCredentials credentials = await _credentials(Options.EffectiveUser, cancellationToken).ConfigureAwait(false);
                result.CertificateSerial = credentials.Certificate?.Serial;
                result.KeyId = credentials.Certificate?.KeyId;
                SshAgentServer agent = SshAgentServer.Start(credentials.Key, credentials.Certificate, _identities);
                try
                {
                    var sink = new SshOutputSink
                    {
                        OnOutputLine = Options.OnOutputLine == null ? null : new Action<string>(line => Options.OnOutputLine(host, line)),
                        OnErrorLine = Options.OnErrorLine == null ? null : new Action<string>(line => Options.OnErrorLine(host, line)),
                    };
                    SshProcessResult run = await OpenSshClient.RunAsync(program, buildArguments(agent.Address), interactive, sink, null, cancellationToken).ConfigureAwait(false);
                    result.ExitCode = run.ExitCode;
                    result.Output = run.Output;
                    result.Error = run.Error;
                    result.ErrorId = run.ErrorId;
                    result.ErrorMessage = run.ErrorMessage;
                }
                finally
                {
                    await agent.StopAsync().ConfigureAwait(false);
                }
            }
            catch (SshKmsException ex) when (ex.ErrorId != "SshClientNotFound" && ex.ErrorId != "SessionsUnsupportedRuntime" && ex.ErrorId != "SshOptionInvalid")
            {
                // A per-host failure (e.g. the CA refused this principal); the other hosts go on.
                result.ErrorId = ex.ErrorId;
                result.ErrorMessage = ex.Message;
            }

            result.Duration = DateTime.UtcNow - started;
            _audit?.Record(result, program, Options);
            return result;
        }
    }
}
