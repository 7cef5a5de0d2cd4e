using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Sessions
{
    /// <summary>What a known_hosts file says about the key a host presented.</summary>
    internal enum HostKeyVerdict
    {
        Known,
        Unknown,
        Mismatch,
    }

    /// <summary>
    /// The plain host-key lines of an OpenSSH known_hosts file: patterns, "[host]:port" and hashed names
    /// ("|1|salt|hash", HMAC-SHA1 of the name keyed by the salt). @cert-authority lines are not read yet; an
    /// @revoked key is refused as a mismatch.
    /// </summary>
    internal static class KnownHosts
    {
        /// <summary>The user's own file, as ssh reads it by default.</summary>
        public static string UserFile() =>
            Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");

        /// <summary>The name known_hosts records for a host: "host" on port 22, "[host]:port" otherwise.</summary>
        public static string NameOf(string host, int port) => port == 22 ? host : $"[{host}]:{port}";

        public static HostKeyVerdict Check(string path, string host, int port, byte[] keyBlob)
        {
            string[] lines;
            try
            {
                lines = File.Exists(path) ? File.ReadAllLines(path) : new string[0];
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // As ssh: a file it cannot read holds no key, so the host is not known.
                lines = new string[0];
            }

            string name = NameOf(host, port);
            string keyType = KeyTypeOf(keyBlob);
            bool known = false;
            bool sameTypeKnown = false;
            foreach (string raw in lines)
            {
                string[] fields = raw.Trim().Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 3 || fields[0].StartsWith("#", StringComparison.Ordinal))
                {
                    continue;
                }

                string? marker = fields[0].StartsWith("@", StringComparison.Ordinal) ? fields[0] : null;
                int at = marker == null ? 0 : 1;
                if (fields.Length < at + 3 || marker == "@cert-authority" || !Matches(fields[at], name))
                {
                    continue;
                }

                bool sameKey = fields[at + 1] == keyType && Convert.ToBase64String(keyBlob) == fields[at + 2];
                if (marker == "@revoked")
                {
                    if (sameKey)
                    {
                        return HostKeyVerdict.Mismatch;
                    }

                    continue;
                }

                // Not returned yet: an @revoked line further down still wins.
                known |= sameKey;
                sameTypeKnown |= fields[at + 1] == keyType;
            }

            return known ? HostKeyVerdict.Known : sameTypeKnown ? HostKeyVerdict.Mismatch : HostKeyVerdict.Unknown;
        }

        /// <summary>accept-new: the host's key is appended under its name, as ssh does; as ssh, a file it cannot write does not stop the login.</summary>
        public static void Add(string path, string host, int port, byte[] keyBlob)
        {
            try
            {
                string? dir = Path.GetDirectoryName(path);
                if (!string.IsNullOrEmpty(dir))
                {
                    Directory.CreateDirectory(dir);
                }

                File.AppendAllText(path, $"{NameOf(host, port)} {KeyTypeOf(keyBlob)} {Convert.ToBase64String(keyBlob)}\n");
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
            }
        }

        /// <summary>A comma-separated list of patterns (with * and ?, ! to negate) or one hashed name.</summary>
        private static bool Matches(string field, string name)
        {
            if (field.StartsWith("|1|", StringComparison.Ordinal))
            {
                string[] parts = field.Split('|');
                if (parts.Length != 4)
                {
                    return false;
                }

                try
                {
                    using (var hmac = new HMACSHA1(Convert.FromBase64String(parts[2])))
                    {
                        return Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(name))) == parts[3];
                    }
                }
                catch (FormatException)
                {
                    return false;
                }
            }

            bool matched = false;
            foreach (string pattern in field.Split(','))
            {
                bool negated = pattern.StartsWith("!", StringComparison.Ordinal);
                if (Glob(negated ? pattern.Substring(1) : pattern, name))
                {
                    if (negated)
                    {
                        return false;
                    }

                    matched = true;
                }
            }

            return matched;
        }

        private static bool Glob(string pattern, string name) =>
            System.Text.RegularExpressions.Regex.IsMatch(name,
                "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".") + "$",
                System.Text.RegularExpressions.RegexOptions.IgnoreCase);

        /// <summary>The first SSH string of a key blob: its type name.</summary>
        private static string KeyTypeOf(byte[] blob) => new SshReader(blob, "host key").ReadString("key type");
    }
}
