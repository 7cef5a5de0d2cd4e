using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Revocation
{
    /// <summary>One thing a KRL revokes.</summary>
    public sealed class RevocationEntry
    {
        public RevocationEntry(string kind, string value, string? caKeyType, string? caFingerprint)
        {
            Kind = kind;
            Value = value;
            CaKeyType = caKeyType;
            CaFingerprint = caFingerprint;
        }

        /// <summary>serial, key-id, key (an explicit public key), sha256 or sha1 (key hashes).</summary>
        public string Kind { get; }

        /// <summary>"42" or "100-199" for serials, the key id, or the key's SHA256:/SHA1: fingerprint.</summary>
        public string Value { get; }

        /// <summary>For serials and key ids: the CA key's type; null for plain keys and for the any-CA section.</summary>
        public string? CaKeyType { get; }

        /// <summary>For serials and key ids: the CA key's SHA256 fingerprint, or "*" for any CA; null for plain keys.</summary>
        public string? CaFingerprint { get; }

        public override string ToString() => Kind + ": " + Value;
    }

    /// <summary>What a KRL file holds: its header and every revocation, for `krl show` and Get-SshKmsRevocation.</summary>
    public sealed class RevocationList
    {
        internal RevocationList(string path, Krl krl)
        {
            Path = path;
            Version = krl.Version;
            Generated = DateTimeOffset.FromUnixTimeSeconds((long)Math.Min(krl.GeneratedDate, 253402300799UL));
            Comment = krl.Comment;
            Entries = EntriesOf(krl);
            Listing = ListingOf(krl);
        }

        public string Path { get; }

        /// <summary>krl_version: increases with every change.</summary>
        public ulong Version { get; }

        public DateTimeOffset Generated { get; }

        public string Comment { get; }

        public IReadOnlyList<RevocationEntry> Entries { get; }

        /// <summary>
        /// The KRL in the text `ssh-keygen -Q -l -f KRL` prints (the KRL spec format), line for line, so the two
        /// listings of one file can be compared. The "Generated at" line is in local time, as ssh-keygen's.
        /// </summary>
        public string Listing { get; }

        private static IReadOnlyList<RevocationEntry> EntriesOf(Krl krl)
        {
            var entries = new List<RevocationEntry>();
            entries.AddRange(krl.ExplicitKeys.Select(k => new RevocationEntry("key", SshPublicKey.FingerprintOf(k), null, null)));
            entries.AddRange(krl.Sha256Hashes.Select(h => new RevocationEntry("sha256", "SHA256:" + Convert.ToBase64String(h).TrimEnd('='), null, null)));
            entries.AddRange(krl.Sha1Hashes.Select(h => new RevocationEntry("sha1", "SHA1:" + Convert.ToBase64String(h).TrimEnd('='), null, null)));
            foreach (KrlCertificateSection s in krl.CertificateSections)
            {
                string? type = s.CaKey == null ? null : KeyTypeOf(s.CaKey);
                string fingerprint = s.CaKey == null ? "*" : SshPublicKey.FingerprintOf(s.CaKey);
                entries.AddRange(s.Serials.Ranges.Select(r => new RevocationEntry("serial", SerialText(r), type, fingerprint)));
                entries.AddRange(s.KeyIds.Select(id => new RevocationEntry("key-id", id, type, fingerprint)));
            }

            return entries;
        }

        /// <summary>krl.c's krl_dump.</summary>
        private static string ListingOf(Krl krl)
        {
            var sb = new StringBuilder();
            sb.Append("# KRL version ").Append(krl.Version.ToString(CultureInfo.InvariantCulture)).Append('\n');
            DateTime local = DateTimeOffset.FromUnixTimeSeconds((long)Math.Min(krl.GeneratedDate, 253402300799UL)).LocalDateTime;
            sb.Append("# Generated at ").Append(local.ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture)).Append('\n');
            if (krl.Comment.Length > 0)
            {
                sb.Append("# Comment: ").Append(Printable(krl.Comment)).Append('\n');
            }

            sb.Append('\n');
            foreach (byte[] key in krl.ExplicitKeys)
            {
                sb.Append("hash: ").Append(SshPublicKey.FingerprintOf(key)).Append(" # ").Append(KeyTypeOf(key)).Append('\n');
            }

            foreach (byte[] hash in krl.Sha256Hashes)
            {
                sb.Append("hash: SHA256:").Append(Hex(hash)).Append('\n');
            }

            foreach (byte[] hash in krl.Sha1Hashes)
            {
                sb.Append("# hash SHA1:").Append(Hex(hash)).Append('\n');
            }

            foreach (KrlCertificateSection s in krl.CertificateSections)
            {
                sb.Append('\n');
                sb.Append(s.CaKey == null ? "# Wildcard CA" : $"# CA key {KeyTypeOf(s.CaKey)} {SshPublicKey.FingerprintOf(s.CaKey)}").Append('\n');
                foreach (KeyValuePair<ulong, ulong> r in s.Serials.Ranges)
                {
                    sb.Append("serial: ").Append(SerialText(r)).Append('\n');
                }

                foreach (string id in s.KeyIds)
                {
                    sb.Append("id: ").Append(Printable(id)).Append('\n');
                }
            }

            return sb.ToString();
        }

        private static string SerialText(KeyValuePair<ulong, ulong> r) =>
            r.Key == r.Value ? r.Key.ToString(CultureInfo.InvariantCulture) : r.Key.ToString(CultureInfo.InvariantCulture) + "-" + r.Value.ToString(CultureInfo.InvariantCulture);

        private static string KeyTypeOf(byte[] blob)
        {
            var r = new SshReader(blob, "public key");
            return r.ReadString("key type");
        }

        private static string Hex(byte[] data) => string.Concat(data.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));

        /// <summary>Control characters shown escaped, so a hostile key id cannot rewrite the listing.</summary>
        private static string Printable(string text) =>
            string.Concat(text.Select(c => char.IsControl(c) ? "\\" + Convert.ToString(c, 8).PadLeft(3, '0') : c.ToString()));
    }
}
