using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Sessions
{
    /// <summary>
    /// Whether to trust the key a host presents, decided as ssh's verify_host_key and check_host_key do, from the ssh
    /// options a session carries: RevokedHostKeys first, then the user's and the global known_hosts files (a
    /// certificate by its @cert-authority CA, else as its plain key), and accept-new records an unknown key in the
    /// first user file only.
    /// </summary>
    internal sealed class HostKeyTrust
    {
        private HostKeyTrust(IReadOnlyList<string> userFiles, IReadOnlyList<string> globalFiles, IReadOnlyList<string> revokedFiles, bool acceptNew)
        {
            UserFiles = userFiles;
            GlobalFiles = globalFiles;
            RevokedFiles = revokedFiles;
            AcceptNew = acceptNew;
        }

        /// <summary>UserKnownHostsFile: read, and the first one written by accept-new.</summary>
        public IReadOnlyList<string> UserFiles { get; }

        /// <summary>GlobalKnownHostsFile: only ever read.</summary>
        public IReadOnlyList<string> GlobalFiles { get; }

        public IReadOnlyList<string> RevokedFiles { get; }

        /// <summary>
        /// An unknown key is recorded and trusted: the session's accept-new switch, or StrictHostKeyChecking accept-new,
        /// no or off. A changed or revoked key is refused whatever was asked: unlike ssh with "no", a Managed session
        /// never goes on past a key that may be an attacker's, since it may carry credentials.
        /// </summary>
        public bool AcceptNew { get; }

        public static HostKeyTrust FromOptions(SshSessionOptions options)
        {
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            string ssh = Path.Combine(home, ".ssh");
            string globalDir = Environment.OSVersion.Platform == PlatformID.Win32NT
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "ssh")
                : "/etc/ssh";
            string? strict = ManagedConnection.Option(options, "StrictHostKeyChecking")?.Trim().ToLowerInvariant();
            return new HostKeyTrust(
                Files(ManagedConnection.Option(options, "UserKnownHostsFile"), home,
                    Path.Combine(ssh, "known_hosts"), Path.Combine(ssh, "known_hosts2")),
                Files(ManagedConnection.Option(options, "GlobalKnownHostsFile"), home,
                    Path.Combine(globalDir, "ssh_known_hosts"), Path.Combine(globalDir, "ssh_known_hosts2")),

                // Every RevokedHostKeys given counts: a revocation is never dropped because another file was named first.
                options.SshOptions.Where(o => string.Equals(o.Key, "RevokedHostKeys", StringComparison.OrdinalIgnoreCase))
                    .SelectMany(o => Files(o.Value, home)).ToList(),
                options.AcceptNewHostKey || strict == "accept-new" || strict == "no" || strict == "off");
        }

        /// <summary>The known_hosts lines that name the host ("[host]:port" off port 22), user files first.</summary>
        public IReadOnlyList<KnownHostsEntry> EntriesFor(string host, int port) =>
            KnownHosts.Load(UserFiles.Concat(GlobalFiles), KnownHosts.NameOf(host, port));

        /// <summary>The verdict on <paramref name="presented"/>, a plain host key blob or a host certificate blob.</summary>
        public HostKeyVerdict Check(string host, int port, byte[] presented, DateTimeOffset now) => Check(host, port, presented, now, out _);

        /// <param name="byCertificate">Whether a @cert-authority CA vouched for the certificate; false when its plain key was what known_hosts held.</param>
        public HostKeyVerdict Check(string host, int port, byte[] presented, DateTimeOffset now, out bool byCertificate)
        {
            byCertificate = false;
            SshCertificate? certificate = null;
            byte[] plainKey = presented;
            try
            {
                if (HostKeyAlgorithms.IsCertificate(KnownHosts.KeyTypeOf(presented)))
                {
                    certificate = SshCertificate.FromBlob(presented);
                    plainKey = certificate.Key.GetBlob();
                }
            }
            catch (SshKmsException)
            {
                // A certificate this parser refuses vouches for nothing; SSH.NET has read its key, which still counts as a plain key.
                return HostKeyVerdict.Unknown;
            }

            foreach (string file in RevokedFiles)
            {
                RevocationStatus status = RevokedHostKeys.Check(file, plainKey, certificate);
                if (status != RevocationStatus.NotRevoked)
                {
                    return status == RevocationStatus.Revoked ? HostKeyVerdict.Revoked : HostKeyVerdict.RevocationListUnreadable;
                }
            }

            HostKeyVerdict verdict = CheckUnder(host, port, plainKey, certificate, now, out byCertificate);
            if (verdict == HostKeyVerdict.Unknown && port != 22)
            {
                // As ssh: a key recorded under the bare host name is good on any port (only an exact match counts).
                verdict = CheckUnder(host, 22, plainKey, certificate, now, out byCertificate) == HostKeyVerdict.Known ? HostKeyVerdict.Known : HostKeyVerdict.Unknown;
            }

            return verdict;
        }

        /// <summary>accept-new: the host's plain key goes into the first user file (never a global one); nowhere with UserKnownHostsFile none.</summary>
        public void Remember(string host, int port, byte[] plainKey)
        {
            if (UserFiles.Count > 0)
            {
                KnownHosts.Add(UserFiles[0], host, port, plainKey);
            }
        }

        /// <summary>
        /// check_host_key for one name: a certificate is known when a @cert-authority line for the name holds its CA
        /// and the certificate is valid for the host; a certificate that is not is looked up again as its plain key.
        /// A plain key is known when a line holds it, a mismatch when lines hold only other keys. @revoked wins.
        /// </summary>
        private HostKeyVerdict CheckUnder(string host, int port, byte[] plainKey, SshCertificate? certificate, DateTimeOffset now, out bool byCertificate)
        {
            byCertificate = false;
            IReadOnlyList<KnownHostsEntry> entries = EntriesFor(host, port);
            if (certificate != null)
            {
                byte[] ca = certificate.SignatureKey.GetBlob();
                if (Revoked(entries, plainKey) || Revoked(entries, ca))
                {
                    return HostKeyVerdict.Revoked;
                }

                if (entries.Any(e => e.Marker == KnownHostsMarker.CertAuthority && e.Key.SequenceEqual(ca)) && ValidFor(certificate, host, now))
                {
                    byCertificate = true;
                    return HostKeyVerdict.Known;
                }
            }

            if (Revoked(entries, plainKey))
            {
                return HostKeyVerdict.Revoked;
            }

            List<KnownHostsEntry> keys = entries.Where(e => e.Marker == KnownHostsMarker.None).ToList();
            return keys.Any(e => e.Key.SequenceEqual(plainKey)) ? HostKeyVerdict.Known
                : keys.Count > 0 ? HostKeyVerdict.Mismatch
                : HostKeyVerdict.Unknown;
        }

        private static bool Revoked(IReadOnlyList<KnownHostsEntry> entries, byte[] key) =>
            entries.Any(e => e.Marker == KnownHostsMarker.Revoked && e.Key.SequenceEqual(key));

        private static bool ValidFor(SshCertificate certificate, string host, DateTimeOffset now)
        {
            try
            {
                return HostCertificateCheck.WhyInvalid(certificate, host, now) == null;
            }
            catch (SshKmsException)
            {
                return false;
            }
        }

        /// <summary>An option's space-separated file list, ~ expanded; "none" is no file; absent: the defaults.</summary>
        private static IReadOnlyList<string> Files(string? value, string home, params string[] defaults)
        {
            if (value == null)
            {
                return defaults;
            }

            if (string.Equals(value.Trim(), "none", StringComparison.OrdinalIgnoreCase))
            {
                return new string[0];
            }

            return value.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries)
                .Select(f => f == "~" ? home : f.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(home, f.Substring(2)) : f)
                .ToList();
        }
    }
}
