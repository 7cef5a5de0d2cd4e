using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace SshKms.Core.Audit
{
    /// <summary>Which journal events a reader wants; every condition given must hold. Shared by Get-SshKmsAudit and `sshkms audit`.</summary>
    public sealed class AuditFilter
    {
        /// <summary>Event types, with * and ? wildcards ("session.*"); empty: every type.</summary>
        public IList<string> Types { get; } = new List<string>();

        public DateTimeOffset? Since { get; set; }

        public DateTimeOffset? Until { get; set; }

        /// <summary>The operator, with wildcards, case-insensitive ("*:user/alice").</summary>
        public string? Operator { get; set; }

        /// <summary>A certificate serial: the certificate.issued event and the sessions that logged in with it.</summary>
        public ulong? Serial { get; set; }

        public string? HostName { get; set; }

        /// <summary>A key-pair secret: its rotation steps and the sessions that used its key.</summary>
        public string? SecretId { get; set; }

        /// <summary>Only the last N matching events.</summary>
        public int? Last { get; set; }

        public bool Matches(AuditRecord r) =>
            (Types.Count == 0 || Types.Any(t => Glob(t).IsMatch(r.Type)))
            && (Since == null || r.Time >= Since)
            && (Until == null || r.Time <= Until)
            && (Operator == null || Glob(Operator).IsMatch(r.Operator))
            && (Serial == null || r.Serial == Serial)
            && (HostName == null || string.Equals(r.HostName, HostName, StringComparison.OrdinalIgnoreCase))
            && (SecretId == null || r.SecretId == SecretId);

        private static Regex Glob(string pattern) =>
            new Regex("^" + Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".") + "$",
                RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }
}
