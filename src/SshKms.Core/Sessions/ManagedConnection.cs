using System;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace SshKms.Core.Sessions
{
    /// <summary>
    /// One SSH.NET login to one host: where (host, port, user), with which key and certificate (from memory), and
    /// whether the host's key is trusted (known_hosts, strictly unless accept-new). Every Managed client (command,
    /// shell, copy) connects through it, so they all check host keys and report failures alike.
    /// </summary>
    internal sealed class ManagedConnection : IDisposable
    {
        private const int DefaultPort = 22;
        private readonly PrivateKeyFile _key;
        private readonly SshSessionOptions _options;
        private readonly string _knownHosts;
        private HostKeyVerdict _verdict = HostKeyVerdict.Known;

        public ManagedConnection(SshEndpoint endpoint, SessionCredentials credentials, SshSessionOptions options)
        {
            _options = options;
            Host = SshSession.HostOf(endpoint.Destination);
            Port = endpoint.Port ?? DefaultPort;
            UserName = LoginUser(endpoint);
            _knownHosts = Option(options, "UserKnownHostsFile") ?? KnownHosts.UserFile();
            _key = KeyFile(credentials);
            Info = new ConnectionInfo(Host, Port, UserName, new PrivateKeyAuthenticationMethod(UserName, _key));
            if (int.TryParse(Option(options, "ConnectTimeout"), out int seconds) && seconds > 0)
            {
                Info.Timeout = TimeSpan.FromSeconds(seconds);
            }
        }

        public string Host { get; }

        public int Port { get; }

        public string UserName { get; }

        /// <summary>What an SSH.NET client is built from.</summary>
        public ConnectionInfo Info { get; }

        /// <summary>user@host, then the endpoint's user, then the local user: what ssh would pick without ssh_config.</summary>
        public static string LoginUser(SshEndpoint endpoint)
        {
            int at = endpoint.Destination.LastIndexOf('@');
            return endpoint.UserName ?? (at > 0 ? endpoint.Destination.Substring(0, at) : Environment.UserName);
        }

        /// <summary>Checks the host key <paramref name="client"/> will be shown when it connects.</summary>
        public void Watch(BaseClient client)
        {
            client.HostKeyReceived += (_, e) =>
            {
                _verdict = KnownHosts.Check(_knownHosts, Host, Port, e.HostKey);
                if (_verdict == HostKeyVerdict.Unknown && _options.AcceptNewHostKey)
                {
                    KnownHosts.Add(_knownHosts, Host, Port, e.HostKey);
                    _verdict = HostKeyVerdict.Known;
                }

                e.CanTrust = _verdict == HostKeyVerdict.Known;
            };
        }

        /// <summary>
        /// The ErrorId the OpenSsh path gives for the same failure, from the exception's type and the host-key verdict;
        /// null for an exception that is not a connection's (the caller lets it go on).
        /// </summary>
        public SshProcessResult? Failure(Exception ex, TimeSpan duration)
        {
            string? id = _verdict == HostKeyVerdict.Mismatch ? "HostKeyMismatch"
                : _verdict == HostKeyVerdict.Unknown ? "HostKeyUnknown"
                : ex is SshAuthenticationException ? "LoginRefused"
                : ex is SocketException || ex is SshOperationTimeoutException || ex is SshConnectionException || ex is TimeoutException ? "HostUnreachable"
                : ex is SshException ? "SshFailed"
                : null;
            return id == null ? null : new SshProcessResult { ExitCode = 255, ErrorId = id, ErrorMessage = MessageFor(id, ex), Duration = duration };
        }

        public void Dispose() => _key.Dispose();

        /// <summary>The last value given for an ssh option, as ssh's -o; names are case-insensitive.</summary>
        internal static string? Option(SshSessionOptions options, string name) =>
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

        private static string MessageFor(string id, Exception ex) => id switch
        {
            "HostKeyMismatch" => OpenSshClient.HostKeyMismatchMessage,
            "HostKeyUnknown" => OpenSshClient.HostKeyUnknownMessage,
            "LoginRefused" => OpenSshClient.LoginRefusedMessage,
            "HostUnreachable" => "The host could not be reached: " + ex.Message,
            _ => "The SSH connection failed: " + ex.Message,
        };
    }
}
