using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;

namespace SshKms.Core.Audit
{
    /// <summary>
    /// One journal line read back: type, time and operator, the fields most events share as properties (so the
    /// pipeline can bind and filter on them), and every field of the event in <see cref="Fields"/>.
    /// </summary>
    public sealed class AuditRecord
    {
        private AuditRecord(string type, DateTimeOffset time, string operatorIdentity, IReadOnlyDictionary<string, object?> fields, string json, int lineNumber, string? prev)
        {
            Prev = prev;
            Type = type;
            Time = time;
            Operator = operatorIdentity;
            Fields = fields;
            Json = json;
            LineNumber = lineNumber;
        }

        public string Type { get; }

        public DateTimeOffset Time { get; }

        public string Operator { get; }

        /// <summary>The event's own fields in the order written: strings, booleans, null, string arrays, and numbers as ulong (non-negative integers), long or double.</summary>
        public IReadOnlyDictionary<string, object?> Fields { get; }

        /// <summary>The certificate's serial: the one issued (certificate.issued) or the one a session logged in with (session.ended).</summary>
        public ulong? Serial => this["serial"] as ulong? ?? this["certificateSerial"] as ulong?;

        public string? KeyId => this["keyId"] as string;

        public string? HostName => this["host"] as string;

        public string? User => this["user"] as string;

        /// <summary>The key-pair secret a rotation step worked on, or whose key a session used.</summary>
        public string? SecretId => this["secretId"] as string
            ?? (this["credential"] is string c && c.StartsWith(SecretCredentialPrefix, StringComparison.Ordinal) ? c.Substring(SecretCredentialPrefix.Length) : null);

        public long? ExitCode => this["exitCode"] is ulong u ? (long)u : this["exitCode"] as long?;

        public string? ErrorId => this["errorId"] as string;

        /// <summary>The line as written, for `--json` and jq.</summary>
        public string Json { get; }

        public int LineNumber { get; }

        /// <summary>The hash of the line before, which chains this line to it; null on lines written before the chain.</summary>
        public string? Prev { get; }

        /// <summary>How a session that used a stored key names its credential: "secret:" and the secret id.</summary>
        public const string SecretCredentialPrefix = "secret:";

        public object? this[string name] => Fields.TryGetValue(name, out object? value) ? value : null;

        /// <summary>The event as one escaped text line (as `sshkms audit` prints it): safe for views and logs.</summary>
        public override string ToString() => AuditText.Line(this);

        /// <summary>Parses one line; a line that is not a journal event gives AuditJournalLineInvalid naming the line number only.</summary>
        public static AuditRecord Parse(string line, int lineNumber)
        {
            try
            {
                using (JsonDocument doc = JsonDocument.Parse(line))
                {
                    JsonElement root = doc.RootElement;
                    if (root.ValueKind != JsonValueKind.Object
                        || !root.TryGetProperty("type", out JsonElement type) || type.ValueKind != JsonValueKind.String
                        || !root.TryGetProperty("time", out JsonElement time) || time.ValueKind != JsonValueKind.String
                        || !DateTimeOffset.TryParse(time.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset when))
                    {
                        throw Invalid(lineNumber, "it has no type and time");
                    }

                    string operatorIdentity = root.TryGetProperty("operator", out JsonElement op) && op.ValueKind == JsonValueKind.String ? op.GetString()! : string.Empty;
                    var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
                    foreach (JsonProperty p in root.EnumerateObject().Where(p => p.Name != "type" && p.Name != "time" && p.Name != "operator" && p.Name != AuditChain.PrevField))
                    {
                        fields[p.Name] = ToValue(p.Value);
                    }

                    string? prev = root.TryGetProperty(AuditChain.PrevField, out JsonElement chained) && chained.ValueKind == JsonValueKind.String ? chained.GetString() : null;
                    return new AuditRecord(type.GetString()!, when, operatorIdentity, fields, line, lineNumber, prev);
                }
            }
            catch (JsonException)
            {
                throw Invalid(lineNumber, "it is not JSON");
            }
        }

        private static SshKmsException Invalid(int lineNumber, string why) =>
            new SshKmsException("AuditJournalLineInvalid", SshKmsErrorCategory.InvalidData, $"Audit journal line {lineNumber} was skipped: {why}.");

        private static object? ToValue(JsonElement value)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.String: return value.GetString();
                case JsonValueKind.True: return true;
                case JsonValueKind.False: return false;
                case JsonValueKind.Number:
                    if (value.TryGetUInt64(out ulong u))
                    {
                        return u;
                    }

                    return value.TryGetInt64(out long l) ? l : (object)value.GetDouble();
                case JsonValueKind.Array: return value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()).ToArray();
                case JsonValueKind.Null: return null;
                default: return value.GetRawText();
            }
        }
    }
}
