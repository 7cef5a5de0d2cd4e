using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Authority;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Trust
{
    /// <summary>A host key the configuration names, and what trust decided about its certificate.</summary>
    public sealed class HostCertificateStatus
    {
        internal HostCertificateStatus(string hostKey, string certificatePath, IReadOnlyList<string> principals, bool needsIssue, DateTimeOffset? validTo)
        {
            HostKey = hostKey;
            CertificatePath = certificatePath;
            Principals = principals;
            NeedsIssue = needsIssue;
            ValidTo = validTo;
        }

        public string HostKey { get; }

        /// <summary>&lt;key&gt;-cert.pub, the file a HostCertificate line names.</summary>
        public string CertificatePath { get; }

        public IReadOnlyList<string> Principals { get; }

        /// <summary>True when a new certificate is (or was) issued: none yet, another CA or principals, or within a quarter of its validity from expiry.</summary>
        public bool NeedsIssue { get; }

        /// <summary>When the installed (or newly issued) certificate expires.</summary>
        public DateTimeOffset? ValidTo { get; internal set; }

        internal SshPublicKey? PublicKey { get; set; }
    }

    /// <summary>Host certificates for the configuration's HostKeys: which need issuing, and issuing them with the host CA.</summary>
    internal static class HostCertificates
    {
        /// <summary>The host's names: its host name, its FQDN when DNS knows one, and the extra ones given.</summary>
        public static List<string> Principals(IEnumerable<string> extra)
        {
            var names = new List<string>();
            string host = Dns.GetHostName();
            names.Add(host);
            try
            {
                string fqdn = Dns.GetHostEntry(host).HostName;
                names.Add(fqdn);
            }
            catch (SocketException)
            {
                // No DNS name beyond the host name: the host name and the given principals are what clients can match.
            }

            foreach (string name in extra ?? Enumerable.Empty<string>())
            {
                if (string.IsNullOrWhiteSpace(name) || name.Any(char.IsWhiteSpace) || name.Contains(","))
                {
                    throw new SshKmsException("TrustHostPrincipalInvalid", SshKmsErrorCategory.InvalidArgument,
                        $"'{name}' is not a host principal: give a host name or address without spaces or commas.");
                }

                names.Add(name);
            }

            return names.Distinct(StringComparer.Ordinal).ToList();
        }

        /// <summary>What to do for each host key; a key whose .pub file is unreadable is TrustHostKeyUnreadable.</summary>
        public static List<HostCertificateStatus> Review(IEnumerable<string> hostKeys, SshPublicKey hostCa, IReadOnlyList<string> principals, DateTimeOffset now)
        {
            var result = new List<HostCertificateStatus>();
            foreach (string key in hostKeys)
            {
                SshPublicKey publicKey = ReadPublicKey(key);
                string certPath = CertificatePaths.CertificatePathFor(key);
                SshCertificate? current = ReadCertificate(certPath);
                bool fresh = current != null
                    && current.Type == SshCertificateType.Host
                    && current.Key.Equals(publicKey)
                    && current.SignatureKey.Equals(hostCa)
                    && current.Principals.OrderBy(p => p, StringComparer.Ordinal).SequenceEqual(principals.OrderBy(p => p, StringComparer.Ordinal))
                    && current.ValidTo.HasValue
                    && now < current.ValidTo.Value - TimeSpan.FromTicks((current.ValidTo.Value - current.ValidFrom).Ticks / 4);
                result.Add(new HostCertificateStatus(key, certPath, principals, !fresh, current?.ValidTo) { PublicKey = publicKey });
            }

            return result;
        }

        /// <summary>Issues one certificate per status that needs one: a KMS Sign each, and a certificate.issued journal line.</summary>
        public static async Task<List<TrustFileChange>> IssueAsync(IEnumerable<HostCertificateStatus> statuses, KeyUri hostCa, TimeSpan? validity, AwsSettings aws,
            CancellationToken cancellationToken)
        {
            var changes = new List<TrustFileChange>();
            List<HostCertificateStatus> due = statuses.Where(s => s.NeedsIssue).ToList();
            if (due.Count == 0)
            {
                return changes;
            }

            CertificateAuthority ca = await CertificateAuthority.OpenAsync(hostCa, aws, cancellationToken).ConfigureAwait(false);
            foreach (HostCertificateStatus status in due)
            {
                var request = new CertificateRequest(status.PublicKey!) { Type = SshCertificateType.Host, Validity = validity };
                foreach (string p in status.Principals)
                {
                    request.Principals.Add(p);
                }

                SshCertificate certificate = await ca.IssueAsync(request, cancellationToken).ConfigureAwait(false);
                status.ValidTo = certificate.ValidTo;
                TrustFileChange? change = TrustFileChange.IfDifferent(status.CertificatePath, certificate + "\n", isConfiguration: true);
                if (change != null)
                {
                    changes.Add(change);
                }
            }

            return changes;
        }

        private static SshPublicKey ReadPublicKey(string hostKey)
        {
            string path = hostKey + ".pub";
            try
            {
                return SshPublicKey.Parse(File.ReadAllText(path).Trim());
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is SshFormatException)
            {
                throw new SshKmsException("TrustHostKeyUnreadable", SshKmsErrorCategory.ReadError,
                    $"The host key {hostKey} named by HostKey has no readable public key {path}: {ex.Message}");
            }
        }

        private static SshCertificate? ReadCertificate(string path)
        {
            try
            {
                return File.Exists(path) ? SshCertificate.Parse(File.ReadAllText(path).Trim()) : null;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is SshFormatException)
            {
                // Unreadable or not a certificate: issue a fresh one over it.
                return null;
            }
        }
    }
}
