using System;
using System.Linq;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Sessions
{
    /// <summary>
    /// Whether a host certificate from a CA that known_hosts trusts for the host may vouch for it, as ssh's
    /// sshkey_cert_check_host: type host, inside its validity, the host name among its principals (patterns allowed),
    /// no critical option (none is defined for hosts), the CA's signature valid and not SHA-1 RSA.
    /// </summary>
    internal static class HostCertificateCheck
    {
        /// <summary>Why the certificate cannot vouch for <paramref name="hostName"/> (ssh's words), or null when it can.</summary>
        public static string? WhyInvalid(SshCertificate certificate, string hostName, DateTimeOffset now)
        {
            long seconds = now.ToUnixTimeSeconds();
            if (certificate.Type != SshCertificateType.Host)
            {
                return "not a host certificate";
            }

            if (seconds < 0 || (ulong)seconds < certificate.ValidAfter)
            {
                return "not yet valid";
            }

            if ((ulong)seconds >= certificate.ValidBefore)
            {
                return "expired";
            }

            if (certificate.Principals.Count == 0)
            {
                return "lacks principal list";
            }

            // ssh lowercases the host name it was given and matches each principal as a pattern, case-sensitively.
            string name = hostName.ToLowerInvariant();
            if (!certificate.Principals.Any(p => KnownHosts.Glob(p, name, ignoreCase: false)))
            {
                return "name is not a listed principal";
            }

            if (certificate.CriticalOptions.Count != 0)
            {
                return "contains unsupported critical options";
            }

            // CASignatureAlgorithms' default leaves out ssh-rsa (RSA with SHA-1).
            if (certificate.SignatureAlgorithm == SshKeyTypes.Rsa)
            {
                return "signed with disallowed algorithm";
            }

            return certificate.VerifySignature() ? null : "bad CA signature";
        }
    }
}
