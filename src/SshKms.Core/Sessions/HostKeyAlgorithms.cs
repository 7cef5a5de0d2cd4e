using System;
using System.Collections.Generic;
using System.Linq;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Sessions
{
    /// <summary>
    /// Which host key algorithms to offer, in which order, as ssh's order_hostkeyalgs: a host whose ecdsa key is known
    /// must be asked for that key first, or it would answer with its ed25519 key and be refused as changed.
    /// </summary>
    internal static class HostKeyAlgorithms
    {
        /// <summary>Left out as ssh's default HostKeyAlgorithms leaves them out: their signatures are SHA-1 (RSA) or DSA.</summary>
        public static readonly string[] Refused =
        {
            SshKeyTypes.Rsa, "ssh-dss", SshKeyTypes.CertificateTypeFor(SshKeyTypes.Rsa), "ssh-dss" + SshKeyTypes.CertSuffix,
        };

        /// <summary>
        /// <paramref name="available"/> (the client's preference order) with the algorithms that known_hosts can vouch
        /// for moved first: every certificate algorithm when a @cert-authority line names the host, and each algorithm
        /// whose plain key type a host key line holds. Unchanged when the first algorithm's key type is known already.
        /// </summary>
        public static IReadOnlyList<string> Order(IReadOnlyList<string> available, IReadOnlyList<KnownHostsEntry> entries)
        {
            var knownTypes = new HashSet<string>(entries.Where(e => e.Marker == KnownHostsMarker.None).Select(e => e.KeyType), StringComparer.Ordinal);
            if (available.Count == 0 || knownTypes.Contains(PlainTypeOf(available[0])))
            {
                return available;
            }

            bool hasCa = entries.Any(e => e.Marker == KnownHostsMarker.CertAuthority);
            var first = available.Where(a => (hasCa && IsCertificate(a)) || knownTypes.Contains(PlainTypeOf(a))).ToList();
            return first.Concat(available.Except(first)).ToList();
        }

        public static bool IsCertificate(string algorithm) => algorithm.EndsWith(SshKeyTypes.CertSuffix, StringComparison.Ordinal);

        /// <summary>The key type an algorithm uses: "rsa-sha2-512-cert-v01@openssh.com" -> "ssh-rsa", "ssh-ed25519-cert-v01@openssh.com" -> "ssh-ed25519".</summary>
        public static string PlainTypeOf(string algorithm)
        {
            string plain = IsCertificate(algorithm) ? algorithm.Substring(0, algorithm.Length - SshKeyTypes.CertSuffix.Length) : algorithm;
            if (plain.StartsWith("rsa-sha2-", StringComparison.Ordinal))
            {
                return SshKeyTypes.Rsa;
            }

            // The sk- types put the suffix before "@openssh.com"; KeyTypeForCertificate knows them.
            return IsCertificate(algorithm) ? SshKeyTypes.KeyTypeForCertificate(algorithm) ?? plain : plain;
        }
    }
}
