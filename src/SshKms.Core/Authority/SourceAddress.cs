using System;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;

namespace SshKms.Core.Authority
{
    /// <summary>
    /// The source-address critical option: a comma-separated list of addresses with optional /prefix, held to what
    /// OpenSSH's addr_match_cidr_list (addrmatch.c) accepts, since sshd refuses a certificate whose list it cannot
    /// read: entries of at most 49 characters from [0-9a-fA-F.:/], each an address getaddrinfo reads numerically,
    /// a prefix no longer than the address, and no host bits set beyond the prefix. Stricter than OpenSSH where
    /// glibc is lenient: IPv4 only as four decimal octets (no "127.1", no octal "0177.0.0.1"), no zone ids.
    /// </summary>
    public static class SourceAddress
    {
        /// <summary>INET6_ADDRSTRLEN + 3, the longest entry addr_match_cidr_list reads.</summary>
        private const int MaxEntryLength = 46 + 3;

        /// <summary>Validates every entry and returns the list as sshd expects it (spaces around entries removed, comma-joined).</summary>
        public static string Normalize(string list)
        {
            string[] entries = (list ?? string.Empty).Split(',').Select(e => e.Trim(' ')).ToArray();
            if (entries.Any(e => e.Length == 0))
            {
                throw Invalid(list ?? string.Empty, "it has an empty entry");
            }

            foreach (string entry in entries)
            {
                Check(entry);
            }

            return string.Join(",", entries);
        }

        private static void Check(string entry)
        {
            if (entry.Length > MaxEntryLength)
            {
                throw Invalid(entry, $"an entry is at most {MaxEntryLength} characters");
            }

            char bad = entry.FirstOrDefault(c => !IsCidrChar(c));
            if (bad != default(char) || entry.IndexOf('\0') >= 0)
            {
                throw Invalid(entry, $"'{CertificatePolicy.Printable(bad.ToString())}' is not a character of an IP address or prefix (OpenSSH takes 0-9, a-f, '.', ':' and '/' only: no host names, zone ids or hex/octal forms)");
            }

            int slash = entry.IndexOf('/');
            string address = slash < 0 ? entry : entry.Substring(0, slash);
            IPAddress ip = address.IndexOf(':') >= 0 ? ParseV6(entry, address) : ParseV4(entry, address);
            int max = ip.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
            int bits = max;
            if (slash >= 0)
            {
                string prefix = entry.Substring(slash + 1);
                if (!IsDecimal(prefix, 3) || (bits = int.Parse(prefix, CultureInfo.InvariantCulture)) > max)
                {
                    throw Invalid(entry, $"the prefix length must be 0-{max}");
                }
            }

            if (!HostBitsZero(ip.GetAddressBytes(), bits))
            {
                // OpenSSH's addr_pton_cidr: "Inconsistent mask length"; sshd then refuses the whole certificate.
                throw Invalid(entry, $"it has host bits set beyond /{bits}; write the network address (for example 10.0.0.0/8, not 10.1.2.3/8)");
            }
        }

        private static IPAddress ParseV4(string entry, string address)
        {
            string[] octets = address.Split('.');
            if (octets.Length != 4 || octets.Any(o => !IsDecimal(o, 3) || int.Parse(o, CultureInfo.InvariantCulture) > 255))
            {
                throw Invalid(entry, "an IPv4 address is four decimal numbers 0-255 (no leading zeros, no hex or octal)");
            }

            return IPAddress.Parse(address);
        }

        private static IPAddress ParseV6(string entry, string address)
        {
            if (!IPAddress.TryParse(address, out IPAddress? ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
            {
                throw Invalid(entry, "it is not an IPv6 address");
            }

            // An embedded IPv4 tail (::ffff:192.0.2.1) is held to the same four-decimal-octet form.
            int lastColon = address.LastIndexOf(':');
            if (address.IndexOf('.') > lastColon)
            {
                ParseV4(entry, address.Substring(lastColon + 1));
            }

            return ip;
        }

        /// <summary>1 to <paramref name="maxDigits"/> ASCII digits, no leading zero unless the number is 0.</summary>
        private static bool IsDecimal(string s, int maxDigits) =>
            s.Length > 0 && s.Length <= maxDigits && s.All(c => c >= '0' && c <= '9') && (s.Length == 1 || s[0] != '0');

        private static bool IsCidrChar(char c) =>
            (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.' || c == ':' || c == '/';

        private static bool HostBitsZero(byte[] address, int prefixBits)
        {
            for (int bit = prefixBits; bit < address.Length * 8; bit++)
            {
                if ((address[bit / 8] & (0x80 >> (bit % 8))) != 0)
                {
                    return false;
                }
            }

            return true;
        }

        private static SshKmsException Invalid(string entry, string why) =>
            new SshKmsException("CertificateSourceAddressInvalid", SshKmsErrorCategory.InvalidArgument,
                $"Invalid source-address '{Shorten(entry)}': {why}. Use addresses or CIDRs such as 10.0.0.0/8,192.0.2.7 or 2001:db8::/32.");

        private static string Shorten(string s) => CertificatePolicy.Printable(s.Length <= 60 ? s : s.Substring(0, 60) + "...");
    }
}
