using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Revocation
{
    /// <summary>
    /// An OpenSSH key revocation list (PROTOCOL.krl) in memory: a header, per-CA certificate revocations (serial
    /// ranges and key ids) and revoked plain keys (explicit blobs, SHA-1 and SHA-256 hashes). Sets, not lists,
    /// so adding what is already revoked changes nothing and the written form does not depend on the order of adds.
    /// </summary>
    internal sealed class Krl
    {
        public const uint FormatVersion = 1;

        internal static readonly byte[] Magic = { (byte)'S', (byte)'S', (byte)'H', (byte)'K', (byte)'R', (byte)'L', (byte)'\n', 0 };

        private readonly List<KrlCertificateSection> _certificateSections = new List<KrlCertificateSection>();

        /// <summary>Increases with every change; sshd ignores it, nodes refuse to install a lower one.</summary>
        public ulong Version { get; set; }

        /// <summary>Seconds since 1970 when the KRL was written.</summary>
        public ulong GeneratedDate { get; set; }

        public ulong Flags { get; set; }

        public string Comment { get; set; } = string.Empty;

        internal IReadOnlyList<KrlCertificateSection> CertificateSections => _certificateSections;

        internal SortedSet<byte[]> ExplicitKeys { get; } = new SortedSet<byte[]>(BlobOrder.Instance);

        internal SortedSet<byte[]> Sha1Hashes { get; } = new SortedSet<byte[]>(BlobOrder.Instance);

        internal SortedSet<byte[]> Sha256Hashes { get; } = new SortedSet<byte[]>(BlobOrder.Instance);

        /// <summary>The section for certificates signed by <paramref name="caKeyBlob"/> (null: any CA), made on first use.</summary>
        internal KrlCertificateSection SectionFor(byte[]? caKeyBlob)
        {
            KrlCertificateSection? found = FindSection(caKeyBlob);
            if (found == null)
            {
                found = new KrlCertificateSection(caKeyBlob);
                _certificateSections.Add(found);
            }

            return found;
        }

        internal KrlCertificateSection? FindSection(byte[]? caKeyBlob) =>
            _certificateSections.FirstOrDefault(s => s.CaKey == null ? caKeyBlob == null : caKeyBlob != null && s.CaKey.SequenceEqual(caKeyBlob));

        /// <summary>Revokes a plain key by the SHA-256 of its blob; false when it already was.</summary>
        internal bool RevokeKeyHash(SshPublicKey key) => Sha256Hashes.Add(Sha256(key.GetBlob()));

        /// <summary>
        /// Why <paramref name="key"/> is revoked, in ssh-keygen's words, or null when it is not. A certificate is
        /// checked by its plain key, then by serial and key id under its CA's section and the any-CA section, and
        /// finally its CA key as a plain key, in the order sshd's ssh_krl_check_key uses.
        /// </summary>
        internal string? RevokedBecause(byte[] plainKeyBlob, SshCertificate? certificate)
        {
            string? reason = PlainKeyRevokedBecause(plainKeyBlob);
            if (reason != null || certificate == null)
            {
                return reason;
            }

            foreach (KrlCertificateSection? section in new[] { FindSection(certificate.SignatureKey.GetBlob()), FindSection(null) })
            {
                if (section == null)
                {
                    continue;
                }

                if (section.KeyIds.Contains(certificate.KeyId))
                {
                    return $"key id \"{certificate.KeyId}\"";
                }

                // Serial 0 means "no serial" to OpenSSH: it is never revoked by serial.
                if (certificate.Serial != 0 && section.Serials.Contains(certificate.Serial))
                {
                    return $"serial {certificate.Serial}";
                }
            }

            string? caReason = PlainKeyRevokedBecause(certificate.SignatureKey.GetBlob());
            return caReason == null ? null : "its CA key: " + caReason;
        }

        private string? PlainKeyRevokedBecause(byte[] blob)
        {
            if (Sha1Hashes.Contains(Sha1(blob)))
            {
                return "SHA-1 key hash";
            }

            if (Sha256Hashes.Contains(Sha256(blob)))
            {
                return "SHA-256 key hash";
            }

            return ExplicitKeys.Contains(blob) ? "explicit key" : null;
        }

        internal static byte[] Sha256(byte[] data)
        {
            using (SHA256 sha = SHA256.Create())
            {
                return sha.ComputeHash(data);
            }
        }

        private static byte[] Sha1(byte[] data)
        {
            using (SHA1 sha = SHA1.Create())
            {
                return sha.ComputeHash(data);
            }
        }
    }

    /// <summary>The revocations under one CA key (or, with no key, under every CA).</summary>
    internal sealed class KrlCertificateSection
    {
        public KrlCertificateSection(byte[]? caKey)
        {
            CaKey = caKey;
        }

        /// <summary>The CA's public key blob; null for the section that applies to all CAs.</summary>
        public byte[]? CaKey { get; }

        public SerialRanges Serials { get; } = new SerialRanges();

        /// <summary>Ordinal order, as OpenSSH's strcmp tree writes them.</summary>
        public SortedSet<string> KeyIds { get; } = new SortedSet<string>(StringComparer.Ordinal);
    }

    /// <summary>
    /// Revoked serials as sorted, disjoint, non-adjacent inclusive ranges (as krl.c keeps them, so the section
    /// encoder sees the same runs). Adds are collected and merged once on the next read: revoking 100,000 serials
    /// costs one sort, not 100,000 insertions.
    /// </summary>
    internal sealed class SerialRanges
    {
        private List<KeyValuePair<ulong, ulong>> _ranges = new List<KeyValuePair<ulong, ulong>>();
        private bool _merged = true;

        public void Add(ulong lo, ulong hi)
        {
            if (lo == 0 || lo > hi)
            {
                throw new ArgumentOutOfRangeException(nameof(lo), "A serial range is 1 or more, low to high.");
            }

            _ranges.Add(new KeyValuePair<ulong, ulong>(lo, hi));
            _merged = false;
        }

        /// <summary>Whether every serial in lo..hi is already revoked.</summary>
        public bool Covers(ulong lo, ulong hi)
        {
            int i = IndexOf(lo);
            return i >= 0 && Ranges[i].Value >= hi;
        }

        public bool Contains(ulong serial) => IndexOf(serial) >= 0;

        public bool IsEmpty => _ranges.Count == 0;

        /// <summary>(lo, hi) pairs, ascending.</summary>
        public IReadOnlyList<KeyValuePair<ulong, ulong>> Ranges
        {
            get
            {
                if (!_merged)
                {
                    Merge();
                }

                return _ranges;
            }
        }

        private int IndexOf(ulong serial)
        {
            IReadOnlyList<KeyValuePair<ulong, ulong>> r = Ranges;
            int low = 0, high = r.Count - 1;
            while (low <= high)
            {
                int mid = low + ((high - low) / 2);
                if (serial < r[mid].Key)
                {
                    high = mid - 1;
                }
                else if (serial > r[mid].Value)
                {
                    low = mid + 1;
                }
                else
                {
                    return mid;
                }
            }

            return -1;
        }

        private void Merge()
        {
            _ranges.Sort((a, b) => a.Key.CompareTo(b.Key));
            var merged = new List<KeyValuePair<ulong, ulong>>(_ranges.Count);
            foreach (KeyValuePair<ulong, ulong> r in _ranges)
            {
                if (merged.Count > 0)
                {
                    KeyValuePair<ulong, ulong> last = merged[merged.Count - 1];
                    // Overlapping or adjacent (last.hi + 1 == r.lo) ranges become one; ulong.MaxValue cannot be followed.
                    if (last.Value == ulong.MaxValue || r.Key <= last.Value + 1)
                    {
                        merged[merged.Count - 1] = new KeyValuePair<ulong, ulong>(last.Key, Math.Max(last.Value, r.Value));
                        continue;
                    }
                }

                merged.Add(r);
            }

            _ranges = merged;
            _merged = true;
        }
    }

    /// <summary>krl.c's blob_cmp: bytewise (a hash as a big-endian number), a shorter prefix first.</summary>
    internal sealed class BlobOrder : IComparer<byte[]>
    {
        public static readonly BlobOrder Instance = new BlobOrder();

        public int Compare(byte[]? a, byte[]? b)
        {
            if (a == null || b == null)
            {
                return a == null ? (b == null ? 0 : -1) : 1;
            }

            int n = Math.Min(a.Length, b.Length);
            for (int i = 0; i < n; i++)
            {
                if (a[i] != b[i])
                {
                    return a[i] < b[i] ? -1 : 1;
                }
            }

            return a.Length.CompareTo(b.Length);
        }
    }
}
