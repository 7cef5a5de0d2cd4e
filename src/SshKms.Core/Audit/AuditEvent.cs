using System;
using System.Collections.Generic;

namespace SshKms.Core.Audit
{
    /// <summary>
    /// One thing that happened, for the journal: a type such as "certificate.issued" or "session.opened", when,
    /// who, and the type's own fields. Kept general so sessions, rotations and envelope operations add types,
    /// not classes.
    /// </summary>
    public sealed class AuditEvent
    {
        public const string CertificateIssued = "certificate.issued";

        /// <summary>One host's ssh or scp run ended: who, with which credential, where, and how it ended.</summary>
        public const string SessionEnded = "session.ended";

        /// <summary>One rotation step on one node (or on the secret alone).</summary>
        public const string RotationStep = "rotation.step";

        /// <summary>Serials, key ids or key hashes added to a CA's KRL: which, the KRL and its new version.</summary>
        public const string CertificateRevoked = "certificate.revoked";

        public AuditEvent(string type, string operatorIdentity, DateTimeOffset? time = null)
        {
            Type = string.IsNullOrWhiteSpace(type) ? throw new ArgumentException("An audit event needs a type.", nameof(type)) : type;
            Operator = operatorIdentity ?? string.Empty;
            Time = time ?? DateTimeOffset.UtcNow;
        }

        public string Type { get; }

        public DateTimeOffset Time { get; }

        public string Operator { get; }

        /// <summary>
        /// Type-specific fields, written in insertion order after type, time and operator. Values are strings,
        /// numbers, booleans, null, or lists of strings.
        /// </summary>
        public IDictionary<string, object?> Fields { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);

        public AuditEvent With(string name, object? value)
        {
            Fields[name] = value;
            return this;
        }
    }
}
