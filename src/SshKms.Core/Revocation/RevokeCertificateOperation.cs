using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Audit;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Revocation
{
    /// <summary>What to revoke, and in which CA's KRL.</summary>
    public sealed class RevokeCertificateOptions
    {
        /// <summary>The CA key URI whose certificates are revoked; null: $SSHKMS_CA, else local:default.</summary>
        public string? CaKey { get; set; }

        /// <summary>Serials ("42") and inclusive serial ranges ("100-199").</summary>
        public string[]? Serials { get; set; }

        public string[]? KeyIds { get; set; }

        /// <summary>Paths of public key files; each key is revoked by its SHA-256 hash (any certificate for it too).</summary>
        public string[]? PublicKeyPaths { get; set; }

        /// <summary>Revokes, by serial, every still-valid certificate the audit journal shows this CA issued to these principals.</summary>
        public string[]? Principals { get; set; }

        /// <summary>The KRL file; null: $SSHKMS_HOME/krl/&lt;CA name&gt;.krl.</summary>
        public string? KrlPath { get; set; }

        public AwsSettings Aws { get; set; } = new AwsSettings();
    }

    /// <summary>What a revocation changed.</summary>
    public sealed class RevokeCertificateResult
    {
        internal RevokeCertificateResult(string krlPath, string? signaturePath, ulong version, string caKey, string caFingerprint, IReadOnlyList<RevocationEntry> added, bool changed)
        {
            KrlPath = krlPath;
            SignaturePath = signaturePath;
            KrlVersion = version;
            CaKey = caKey;
            CaFingerprint = caFingerprint;
            Added = added;
            Changed = changed;
        }

        public string KrlPath { get; }

        /// <summary>The detached SSHSIG signature written beside the KRL; null when nothing changed.</summary>
        public string? SignaturePath { get; }

        public ulong KrlVersion { get; }

        public string CaKey { get; }

        public string CaFingerprint { get; }

        /// <summary>Only what was not revoked before.</summary>
        public IReadOnlyList<RevocationEntry> Added { get; }

        /// <summary>False when everything asked for was already revoked: no file, signature or journal line was written.</summary>
        public bool Changed { get; }
    }

    /// <summary>
    /// Adds serials, serial ranges, key ids and key hashes to a CA's KRL: reads the current KRL (a malformed one
    /// is refused, not overwritten), increments krl_version, signs the new bytes with the CA key (SSHSIG), replaces
    /// the KRL and its .sig atomically and appends one certificate.revoked journal line.
    /// </summary>
    public static class RevokeCertificateOperation
    {
        public static async Task<RevokeCertificateResult> RunAsync(RevokeCertificateOptions o, CancellationToken cancellationToken)
        {
            if (o == null)
            {
                throw new ArgumentNullException(nameof(o));
            }

            List<KeyValuePair<ulong, ulong>> serials = (o.Serials ?? Array.Empty<string>()).Select(ParseSerial).ToList();
            List<string> keyIds = (o.KeyIds ?? Array.Empty<string>()).Select(CheckKeyId).ToList();
            List<SshPublicKey> keys = (o.PublicKeyPaths ?? Array.Empty<string>()).Select(ReadPublicKey).ToList();
            List<string> principals = (o.Principals ?? Array.Empty<string>()).Where(p => !string.IsNullOrWhiteSpace(p)).ToList();
            if (serials.Count + keyIds.Count + keys.Count + principals.Count == 0)
            {
                throw new SshKmsException("RevocationNothingGiven", SshKmsErrorCategory.InvalidArgument,
                    "Nothing to revoke: give at least one serial, serial range, key id, public key or principal.");
            }

            string path = KrlFiles.Resolve(o.KrlPath, o.CaKey);
            Krl krl = KrlFiles.ReadIfExists(path) ?? new Krl { Comment = "sshkms" };

            KeyUri caUri = KeyUri.ParseOrDefaultCa(o.CaKey);
            ISigningKey ca = await SigningKeys.OpenAsync(caUri, o.Aws, cancellationToken).ConfigureAwait(false);
            OperationLog.Report($"Revoking in {path} under the CA key {caUri} ({ca.PublicKey.Fingerprint}).");
            AuditJournal journal = AuditJournal.Default();
            if (principals.Count > 0)
            {
                AddIssuedSerials(journal, ca.PublicKey, principals, serials, keyIds);
            }

            KrlCertificateSection section = krl.SectionFor(ca.PublicKey.GetBlob());
            string caFingerprint = ca.PublicKey.Fingerprint;
            var added = new List<RevocationEntry>();
            // Decided against the KRL as read, before any add: an add unmerges the ranges, and checking after each
            // one would re-sort them per serial.
            List<KeyValuePair<ulong, ulong>> newSerials = serials.Distinct().Where(r => !section.Serials.Covers(r.Key, r.Value)).ToList();
            foreach (KeyValuePair<ulong, ulong> r in newSerials)
            {
                section.Serials.Add(r.Key, r.Value);
                added.Add(new RevocationEntry("serial", r.Key == r.Value ? Text(r.Key) : Text(r.Key) + "-" + Text(r.Value), ca.PublicKey.KeyType, caFingerprint));
            }

            foreach (string id in keyIds.Where(section.KeyIds.Add))
            {
                added.Add(new RevocationEntry("key-id", id, ca.PublicKey.KeyType, caFingerprint));
            }

            foreach (SshPublicKey key in keys.Where(krl.RevokeKeyHash))
            {
                added.Add(new RevocationEntry("sha256", key.Fingerprint, null, null));
            }

            if (added.Count == 0)
            {
                OperationLog.Report($"Everything given is already revoked in {path} (version {krl.Version}); nothing written.");
                return new RevokeCertificateResult(path, null, krl.Version, caUri.ToString(), caFingerprint, added, false);
            }

            krl.Version++;
            krl.GeneratedDate = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            byte[] bytes = KrlFormat.Write(krl);

            // No KRL the journal could not record: an unwritable journal fails here, before the signature.
            journal.EnsureWritable();
            string operatorIdentity = await SigningKeys.GetOperatorIdentityAsync(caUri, o.Aws, cancellationToken).ConfigureAwait(false);
            (string signature, string? requestId) = await KrlSignature.SignAsync(ca, bytes, cancellationToken).ConfigureAwait(false);
            string signaturePath = path + KrlSignature.FileSuffix;

            // The KRL first: a node that fetches between the two renames sees a signature that does not match and
            // keeps its installed KRL, rather than a valid old signature over a KRL that was never published.
            KrlFiles.Replace(path, bytes);
            KrlFiles.Replace(signaturePath, System.Text.Encoding.ASCII.GetBytes(signature));
            OperationLog.Report($"Wrote {path} (version {krl.Version}, {bytes.Length} bytes) and its signature {signaturePath}.");

            journal.Append(new AuditEvent(AuditEvent.CertificateRevoked, operatorIdentity)
                .With("caKey", caUri.ToString())
                .With("caKeyArn", ca.KeyArn)
                .With("caFingerprint", caFingerprint)
                .With("kmsRequestId", requestId)
                .With("krlPath", path)
                .With("krlVersion", krl.Version)
                .With("serials", added.Where(a => a.Kind == "serial").Select(a => a.Value).ToList())
                .With("keyIds", added.Where(a => a.Kind == "key-id").Select(a => a.Value).ToList())
                .With("keyHashes", added.Where(a => a.Kind == "sha256").Select(a => a.Value).ToList())
                .With("principals", principals));
            OperationLog.Report($"Appended a {AuditEvent.CertificateRevoked} line to {journal.Path}.");
            return new RevokeCertificateResult(path, signaturePath, krl.Version, caUri.ToString(), caFingerprint, added, true);
        }

        /// <summary>"N" or "N-M", both 1 or more and N &lt;= M (OpenSSH treats serial 0 as "no serial").</summary>
        private static KeyValuePair<ulong, ulong> ParseSerial(string text)
        {
            string t = (text ?? string.Empty).Trim();
            int dash = t.IndexOf('-');
            string loText = dash < 0 ? t : t.Substring(0, dash);
            string hiText = dash < 0 ? t : t.Substring(dash + 1);
            if (!ulong.TryParse(loText, NumberStyles.None, CultureInfo.InvariantCulture, out ulong lo)
                || !ulong.TryParse(hiText, NumberStyles.None, CultureInfo.InvariantCulture, out ulong hi)
                || lo == 0 || lo > hi)
            {
                throw new SshKmsException("RevocationSerialInvalid", SshKmsErrorCategory.InvalidArgument,
                    $"'{SshPublicKey.Truncate(t)}' is not a serial or serial range: expected N or N-M with 1 <= N <= M <= {ulong.MaxValue}.");
            }

            return new KeyValuePair<ulong, ulong>(lo, hi);
        }

        private static string CheckKeyId(string id)
        {
            if (string.IsNullOrEmpty(id) || id.IndexOf('\0') >= 0)
            {
                throw new SshKmsException("RevocationKeyIdInvalid", SshKmsErrorCategory.InvalidArgument,
                    "A key id to revoke must be a non-empty text without NUL characters.");
            }

            return id;
        }

        private static SshPublicKey ReadPublicKey(string path)
        {
            string full = Path.GetFullPath(path);
            if (!File.Exists(full))
            {
                throw new SshKmsException("PublicKeyFileNotFound", SshKmsErrorCategory.ObjectNotFound, $"No public key file at {full}.");
            }

            string text = System.Text.Encoding.UTF8.GetString(KrlFiles.ReadBytes(full, "public key file"));
            return SshPublicKey.Parse(text.Trim());
        }

        /// <summary>Serials of the certificates this CA issued to any of <paramref name="principals"/> that have not expired.</summary>
        private static void AddIssuedSerials(AuditJournal journal, SshPublicKey ca, List<string> principals, List<KeyValuePair<ulong, ulong>> serials, List<string> keyIds)
        {
            var filter = new AuditFilter();
            filter.Types.Add(AuditEvent.CertificateIssued);
            DateTimeOffset now = DateTimeOffset.UtcNow;
            int before = serials.Count + keyIds.Count;
            IReadOnlyList<AuditRecord> issued = File.Exists(journal.Path) ? journal.Read(filter) : Array.Empty<AuditRecord>();
            foreach (AuditRecord r in issued)
            {
                if (!(r["caFingerprint"] is string fp) || fp != ca.Fingerprint
                    || !(r["principals"] is string?[] named) || !named.Any(n => principals.Contains(n!, StringComparer.Ordinal))
                    || !StillValid(r["validBefore"], now))
                {
                    continue;
                }

                if (r.Serial is ulong serial && serial != 0)
                {
                    serials.Add(new KeyValuePair<ulong, ulong>(serial, serial));
                }
                else if (!string.IsNullOrEmpty(r.KeyId))
                {
                    // Serial 0 cannot be revoked by serial: its key id is the next most precise handle.
                    keyIds.Add(r.KeyId!);
                }
            }

            if (serials.Count + keyIds.Count == before)
            {
                throw new SshKmsException("RevocationPrincipalNotFound", SshKmsErrorCategory.ObjectNotFound,
                    $"The audit journal {journal.Path} shows no still-valid certificate issued by the CA key {ca.Fingerprint} to {string.Join(", ", principals)}.");
            }

            OperationLog.Report($"The journal shows {serials.Count + keyIds.Count - before} still-valid certificate(s) for {string.Join(", ", principals)}.");
        }

        private static bool StillValid(object? validBefore, DateTimeOffset now) =>
            validBefore as string == "forever"
            || (validBefore is string s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset until) && until > now);

        private static string Text(ulong n) => n.ToString(CultureInfo.InvariantCulture);
    }
}
