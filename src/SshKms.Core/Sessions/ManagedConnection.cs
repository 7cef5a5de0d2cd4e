using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Security;
using SshKms.Core.OpenSsh;

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
        private readonly HostKeyTrust _trust;
        private HostKeyVerdict _verdict = HostKeyVerdict.Known;

        public ManagedConnection(SshEndpoint endpoint, SessionCredentials credentials, SshSessionOptions options)
        {
            Host = SshSession.HostOf(endpoint.Destination);
            Port = endpoint.Port ?? DefaultPort;
            UserName = LoginUser(endpoint);
            _trust = HostKeyTrust.FromOptions(options);
            _key = KeyFile(credentials);
            Info = new ConnectionInfo(Host, Port, UserName, new PrivateKeyAuthenticationMethod(UserName, _key));
            OfferHostKeyAlgorithms();
            try
            {
                OfferKeyExchanges(Option(options, "KexAlgorithms"));
            }
            catch
            {
                _key.Dispose();
                throw;
            }

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

        /// <summary>
        /// Checks the host key <paramref name="client"/> will be shown when it connects. SSH.NET raises the event once the
        /// host has proven it holds the key, so accept-new records only a proven key.
        /// </summary>
        public void Watch(BaseClient client)
        {
            client.HostKeyReceived += (_, e) =>
            {
                // A certificate's verdict was reached as the key exchange read it (see OfferHostKeyAlgorithms); e.HostKey is its plain key.
                if (e.Certificate == null)
                {
                    _verdict = _trust.Check(Host, Port, e.HostKey, DateTimeOffset.UtcNow);
                }

                if (_verdict == HostKeyVerdict.Unknown && _trust.AcceptNew)
                {
                    // As ssh: a certificate no CA vouches for is recorded as its plain key.
                    _trust.Remember(Host, Port, e.HostKey);
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
            string? id = _verdict == HostKeyVerdict.Mismatch || _verdict == HostKeyVerdict.Revoked ? "HostKeyMismatch"
                : _verdict == HostKeyVerdict.Unknown ? "HostKeyUnknown"
                : _verdict == HostKeyVerdict.RevocationListUnreadable ? "RevokedHostKeysUnreadable"
                : ex is SshAuthenticationException ? "LoginRefused"
                : ex is SocketException || ex is SshOperationTimeoutException || ex is SshConnectionException || ex is TimeoutException ? "HostUnreachable"
                : ex is SshException ? "SshFailed"
                : null;
            return id == null ? null : new SshProcessResult { ExitCode = 255, ErrorId = id, ErrorMessage = MessageFor(id, ex), Duration = duration };
        }

        public void Dispose() => _key.Dispose();

        /// <summary>
        /// ssh's host key algorithms in ssh's order for this host (HostKeyAlgorithms.Order), without the SHA-1 and DSA
        /// ones. Each certificate algorithm is wrapped so that our check sees the certificate's blob before SSH.NET checks
        /// it (SSH.NET refuses an expired one before raising the event, and that must still say HostKeyUnknown), and so that
        /// a certificate no CA vouches for is judged as its plain key, as ssh does: the host's signature is then verified
        /// with that key alone, and a known plain key still lets the host in whatever its certificate says.
        /// </summary>
        private void OfferHostKeyAlgorithms()
        {
            IOrderedDictionary<string, Func<byte[], KeyHostAlgorithm>> algorithms = Info.HostKeyAlgorithms;
            foreach (string refused in HostKeyAlgorithms.Refused)
            {
                algorithms.Remove(refused);
            }

            IReadOnlyList<string> order = HostKeyAlgorithms.Order(algorithms.Keys.ToList(), _trust.EntriesFor(Host, Port));
            for (int i = 0; i < order.Count; i++)
            {
                algorithms.SetPosition(order[i], i);
                if (HostKeyAlgorithms.IsCertificate(order[i]))
                {
                    // Only host certificates reach these: SSH.NET verifies a CA's signature with the plain algorithms.
                    Func<byte[], KeyHostAlgorithm> make = algorithms[order[i]];
                    string plainAlgorithm = order[i].Substring(0, order[i].Length - SshKeyTypes.CertSuffix.Length);
                    algorithms.SetAt(i, blob =>
                    {
                        _verdict = _trust.Check(Host, Port, blob, DateTimeOffset.UtcNow, out bool byCertificate);
                        return _verdict == HostKeyVerdict.Known && !byCertificate && algorithms.ContainsKey(plainAlgorithm)
                            ? algorithms[plainAlgorithm](SshCertificate.FromBlob(blob).Key.GetBlob())
                            : make(blob);
                    });
                }
            }
        }

        /// <summary>
        /// ssh's KexAlgorithms option, read as ssh reads it: a list replaces the order, "+list" appends, "-list" removes,
        /// "^list" puts first; names SSH.NET does not have are left out. Without it SSH.NET's order stands, post-quantum
        /// hybrids first as in ssh, which cost this process more CPU per login than curve25519-sha256 alone.
        /// </summary>
        private void OfferKeyExchanges(string? spec)
        {
            if (spec == null)
            {
                return;
            }

            var algorithms = Info.KeyExchangeAlgorithms;
            string body = spec.Length > 0 && "+-^".IndexOf(spec[0]) >= 0 ? spec.Substring(1) : spec;
            List<string> named = body.Split(',').Select(n => n.Trim()).Where(algorithms.ContainsKey).ToList();
            List<string> keep = spec.StartsWith("+", StringComparison.Ordinal) ? algorithms.Keys.Concat(named).Distinct().ToList()
                : spec.StartsWith("-", StringComparison.Ordinal) ? algorithms.Keys.Except(named).ToList()
                : spec.StartsWith("^", StringComparison.Ordinal) ? named.Concat(algorithms.Keys).Distinct().ToList()
                : named;
            if (keep.Count == 0)
            {
                throw new SshKmsException("SshOptionInvalid", SshKmsErrorCategory.InvalidArgument,
                    $"KexAlgorithms '{spec}' leaves no key exchange this client can do.");
            }

            foreach (string name in algorithms.Keys.ToList().Where(n => !keep.Contains(n)))
            {
                algorithms.Remove(name);
            }

            for (int i = 0; i < keep.Count; i++)
            {
                algorithms.SetPosition(keep[i], i);
            }
        }

        /// <summary>The first value given for an ssh option, as ssh uses the first -o of a name; names are case-insensitive.</summary>
        internal static string? Option(SshSessionOptions options, string name) =>
            options.SshOptions.FirstOrDefault(o => string.Equals(o.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

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

        private string MessageFor(string id, Exception ex) => id switch
        {
            "HostKeyMismatch" => _verdict == HostKeyVerdict.Revoked ? OpenSshClient.HostKeyRevokedMessage : OpenSshClient.HostKeyMismatchMessage,
            "RevokedHostKeysUnreadable" => OpenSshClient.RevokedHostKeysUnreadableMessage,
            "HostKeyUnknown" => OpenSshClient.HostKeyUnknownMessage,
            "LoginRefused" => OpenSshClient.LoginRefusedMessage,
            "HostUnreachable" => "The host could not be reached: " + ex.Message,
            _ => "The SSH connection failed: " + ex.Message,
        };
    }
}
