using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Sessions
{
    /// <summary>What the known_hosts files and RevokedHostKeys say about the key a host presented.</summary>
    internal enum HostKeyVerdict
    {
        Known,
        Unknown,
        Mismatch,
        Revoked,

        /// <summary>A RevokedHostKeys file could not be read or parsed: as ssh, the host is refused.</summary>
        RevocationListUnreadable,
    }

    /// <summary>What a known_hosts line is: a host key, a host CA (@cert-authority) or a revoked key (@revoked).</summary>
    internal enum KnownHostsMarker
    {
        None,
        CertAuthority,
        Revoked,
    }

    /// <summary>One known_hosts line whose host patterns match the name looked up.</summary>
    internal sealed class KnownHostsEntry
    {
        public KnownHostsEntry(KnownHostsMarker marker, byte[] key, string keyType)
        {
            Marker = marker;
            Key = key;
            KeyType = keyType;
        }

        public KnownHostsMarker Marker { get; }

        /// <summary>The public key blob.</summary>
        public byte[] Key { get; }

        /// <summary>The blob's type name (ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa, ...).</summary>
        public string KeyType { get; }
    }

    /// <summary>
    /// OpenSSH known_hosts files as ssh's hostfile.c reads them: host patterns (* ? and ! to negate), "[host]:port"
    /// names, hashed names ("|1|salt|hash", HMAC-SHA1 of the name keyed by the salt), and the @cert-authority and
    /// @revoked markers. A file that cannot be read holds nothing, as for ssh.
    /// </summary>
    internal static class KnownHosts
    {
        /// <summary>The user's own file, as ssh reads it by default.</summary>
        public static string UserFile() =>
            Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");

        /// <summary>The name known_hosts records for a host: "host" on port 22, "[host]:port" otherwise.</summary>
        public static string NameOf(string host, int port) => port == 22 ? host : $"[{host}]:{port}";

        /// <summary>Every line of <paramref name="paths"/>, in order, whose host patterns match <paramref name="name"/>.</summary>
        public static IReadOnlyList<KnownHostsEntry> Load(IEnumerable<string> paths, string name)
        {
            var entries = new List<KnownHostsEntry>();
            foreach (string path in paths)
            {
                foreach (string line in ReadLines(path))
                {
                    KnownHostsEntry? entry = Parse(line, name);
                    if (entry != null)
                    {
                        entries.Add(entry);
                    }
                }
            }

            return entries;
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

        /// <summary>ssh's match_pattern: * for any run, ? for one character.</summary>
        internal static bool Glob(string pattern, string name, bool ignoreCase) =>
            Regex.IsMatch(name, "^" + Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".") + "$",
                (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None) | RegexOptions.Singleline);

        /// <summary>The first SSH string of a key blob: its type name.</summary>
        internal static string KeyTypeOf(byte[] blob) => new SshReader(blob, "host key").ReadString("key type");

        private static string[] ReadLines(string path)
        {
            try
            {
                return File.Exists(path) ? File.ReadAllLines(path) : new string[0];
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return new string[0];
            }
        }

        /// <summary>The line as an entry when it names <paramref name="name"/>; null for comments, other hosts, unknown markers and bad keys (ssh skips them too).</summary>
        private static KnownHostsEntry? Parse(string line, string name)
        {
            string[] fields = line.Trim().Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || fields[0].StartsWith("#", StringComparison.Ordinal))
            {
                return null;
            }

            KnownHostsMarker marker = KnownHostsMarker.None;
            int at = 0;
            if (fields[0].StartsWith("@", StringComparison.Ordinal))
            {
                if (fields[0] == "@cert-authority")
                {
                    marker = KnownHostsMarker.CertAuthority;
                }
                else if (fields[0] == "@revoked")
                {
                    marker = KnownHostsMarker.Revoked;
                }
                else
                {
                    return null;
                }

                at = 1;
            }

            if (fields.Length < at + 3 || !Matches(fields[at], name))
            {
                return null;
            }

            try
            {
                byte[] key = SshPublicKey.DecodeBase64(fields[at + 2], "known_hosts key");
                string keyType = KeyTypeOf(key);
                return keyType == fields[at + 1] ? new KnownHostsEntry(marker, key, keyType) : null;
            }
            catch (SshKmsException)
            {
                return null;
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
                if (Glob(negated ? pattern.Substring(1) : pattern, name, ignoreCase: true))
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
    }
}
