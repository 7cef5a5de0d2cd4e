using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;

namespace SshKms.Core.Authority
{
    /// <summary>The source-address critical option: a comma-separated list of addresses with optional /prefix.</summary>
    public static class SourceAddress
    {
        /// <summary>Validates every entry and returns the list as sshd expects it (trimmed, comma-joined).</summary>
        public static string Normalize(string list)
        {
            string[] entries = (list ?? string.Empty).Split(',').Select(e => e.Trim()).ToArray();
            if (entries.Length == 0 || entries.Any(e => e.Length == 0))
            {
                throw Invalid(list ?? string.Empty, "it has an empty entry");
            }

            foreach (string entry in entries)
            {
                int slash = entry.IndexOf('/');
                string address = slash < 0 ? entry : entry.Substring(0, slash);
                if (!IPAddress.TryParse(address, out IPAddress? ip) || (address.IndexOf(':') < 0 && address.Count(c => c == '.') != 3))
                {
                    throw Invalid(entry, "it is not an IPv4 or IPv6 address");
                }

                if (slash >= 0)
                {
                    int max = ip.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
                    string prefix = entry.Substring(slash + 1);
                    if (!int.TryParse(prefix, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int bits) || bits > max)
                    {
                        throw Invalid(entry, $"the prefix length must be 0-{max}");
                    }
                }
            }

            return string.Join(",", entries);
        }

        private static SshKmsException Invalid(string entry, string why) =>
            new SshKmsException("CertificateSourceAddressInvalid", SshKmsErrorCategory.InvalidArgument,
                $"Invalid source-address '{entry}': {why}. Use addresses or CIDRs such as 10.0.0.0/8,192.0.2.7 or 2001:db8::/32.");
    }
}
