using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Aws;
using SshKms.Core.Keys;

namespace SshKms.Core.Audit
{
    /// <summary>One KMS Sign on the CA key as CloudTrail recorded it, and the journal line that accounts for it (if any).</summary>
    public sealed class CloudTrailSignature
    {
        internal CloudTrailSignature(DateTimeOffset time, string requestId, string caller, string keyId, string? eventId, AuditRecord? journalLine)
        {
            Time = time;
            RequestId = requestId;
            Caller = caller;
            KeyId = keyId;
            EventId = eventId;
            JournalLine = journalLine;
        }

        public DateTimeOffset Time { get; }

        /// <summary>The KMS request id: the kmsRequestId of the certificate.issued or audit.sealed line it made.</summary>
        public string RequestId { get; }

        /// <summary>userIdentity.arn: who called KMS Sign.</summary>
        public string Caller { get; }

        public string KeyId { get; }

        public string? EventId { get; }

        /// <summary>The journal's certificate.issued or audit.sealed line with this request id; null when the journal has none.</summary>
        public AuditRecord? JournalLine { get; }

        /// <summary>False: a signature by the CA key that this journal does not account for (another tool, another machine's journal, or a deleted line).</summary>
        public bool InJournal => JournalLine != null;

        public int? LineNumber => JournalLine?.LineNumber;

        public string? JournalType => JournalLine?.Type;

        public ulong? Serial => JournalLine?.Serial;
    }

    /// <summary>
    /// The KMS Sign events on the CA key from CloudTrail LookupEvents (ResourceName = the key's ARN), each matched to
    /// its journal line by KMS request id or flagged as a signature made outside SshKms. CloudTrail is the record a
    /// journal's writer cannot rewrite: a deleted certificate.issued or audit.sealed line shows up here unmatched.
    /// </summary>
    public static class CloudTrailSignatures
    {
        public static async Task<IReadOnlyList<CloudTrailSignature>> ListAsync(AuditJournal journal, KeyUri caKey, AwsSettings aws,
            DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken)
        {
            if (caKey.Provider != KeyProviderKind.AwsKms)
            {
                throw new SshKmsException("AuditCloudTrailNeedsKmsKey", SshKmsErrorCategory.InvalidArgument,
                    $"{caKey} is not a KMS key: CloudTrail records only AWS KMS signatures (awskms:...).");
            }

            ISigningKey key = await SigningKeys.OpenAsync(caKey, aws, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<CloudTrailEventRecord> events;
            using (var cloudTrail = new CloudTrailClient(aws))
            {
                events = await cloudTrail.LookupEventsAsync("ResourceName", key.KeyArn, since, until, cancellationToken).ConfigureAwait(false);
            }

            return Match(events, key.KeyArn, journal.Read());
        }

        /// <summary>The Sign events among <paramref name="events"/> on <paramref name="keyArn"/>, oldest first, each with its journal line.</summary>
        internal static IReadOnlyList<CloudTrailSignature> Match(IEnumerable<CloudTrailEventRecord> events, string keyArn, IEnumerable<AuditRecord> journal)
        {
            var byRequestId = new Dictionary<string, AuditRecord>(StringComparer.Ordinal);
            foreach (AuditRecord r in journal)
            {
                if (r["kmsRequestId"] is string id && !byRequestId.ContainsKey(id))
                {
                    byRequestId[id] = r;
                }
            }

            var signatures = new List<CloudTrailSignature>();
            foreach (CloudTrailEventRecord e in events)
            {
                CloudTrailSignature? s = Parse(e);
                if (s != null && s.RequestId.Length > 0 && SameKey(s.KeyId, keyArn))
                {
                    signatures.Add(new CloudTrailSignature(s.Time, s.RequestId, s.Caller, s.KeyId, s.EventId,
                        byRequestId.TryGetValue(s.RequestId, out AuditRecord? line) ? line : null));
                }
            }

            return signatures.OrderBy(s => s.Time).ToList();
        }

        /// <summary>A Sign event's fields from its CloudTrailEvent JSON; null for other events and unreadable ones.</summary>
        private static CloudTrailSignature? Parse(CloudTrailEventRecord e)
        {
            if (e.CloudTrailEvent == null)
            {
                return null;
            }

            try
            {
                using (JsonDocument doc = JsonDocument.Parse(e.CloudTrailEvent))
                {
                    JsonElement root = doc.RootElement;
                    if (Text(root, "eventName") != "Sign")
                    {
                        return null;
                    }

                    string keyId = root.TryGetProperty("requestParameters", out JsonElement p) && p.ValueKind == JsonValueKind.Object ? Text(p, "keyId") ?? string.Empty : string.Empty;
                    string caller = root.TryGetProperty("userIdentity", out JsonElement who) && who.ValueKind == JsonValueKind.Object ? Text(who, "arn") ?? string.Empty : string.Empty;
                    DateTimeOffset.TryParse(Text(root, "eventTime"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset time);
                    return new CloudTrailSignature(time, Text(root, "requestID") ?? string.Empty, caller, keyId, e.EventId ?? Text(root, "eventID"), null);
                }
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private static string? Text(JsonElement o, string name) =>
            o.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        /// <summary>requestParameters.keyId is what the caller sent: the ARN (SshKms sends it), a key id or an alias.</summary>
        private static bool SameKey(string keyId, string keyArn) =>
            keyId.Length == 0 || keyId == keyArn || keyArn.EndsWith("/" + keyId, StringComparison.Ordinal) || keyId.StartsWith("alias/", StringComparison.Ordinal);
    }
}
