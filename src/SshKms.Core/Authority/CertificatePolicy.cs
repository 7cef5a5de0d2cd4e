using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Authority
{
    /// <summary>
    /// The CA's rules: default and maximum validity per certificate type, principals, extensions and the key id
    /// template. <see cref="Apply"/> turns a request into a filled certificate builder or refuses it.
    /// </summary>
    public sealed class CertificatePolicy
    {
        /// <summary>The key id unless the request gives a template: who asked, and which certificate, for sshd's log line.</summary>
        public const string DefaultKeyIdTemplate = "sshkms:{caller}:{serial}";

        /// <summary>What ssh-keygen -s grants a user certificate by default.</summary>
        public static readonly IReadOnlyList<string> DefaultUserExtensions = new[]
        {
            "permit-X11-forwarding", "permit-agent-forwarding", "permit-port-forwarding", "permit-pty", "permit-user-rc",
        };

        private static readonly Regex TemplateField = new Regex("\\{([a-z]+)\\}", RegexOptions.CultureInvariant);

        public TimeSpan DefaultUserValidity { get; set; } = TimeSpan.FromMinutes(15);

        public TimeSpan DefaultHostValidity { get; set; } = TimeSpan.FromDays(30);

        public TimeSpan MaxUserValidity { get; set; } = TimeSpan.FromHours(24);

        public TimeSpan MaxHostValidity { get; set; } = TimeSpan.FromDays(365);

        public string KeyIdTemplate { get; set; } = DefaultKeyIdTemplate;

        /// <summary>OpenSSH's SSHKEY_CERT_MAX_PRINCIPALS: ssh-keygen and sshd refuse a certificate with more.</summary>
        public const int MaxPrincipals = 256;

        private TimeSpan _maxBackdate = TimeSpan.FromMinutes(5);
        private int _minimumRsaBits = 2048;

        /// <summary>How far valid-after may be moved back for clock skew; the moved window still counts against the maximum validity.</summary>
        public TimeSpan MaxBackdate
        {
            get => _maxBackdate;
            set => _maxBackdate = value >= TimeSpan.Zero ? value
                : throw new SshKmsException("CertificatePolicyInvalid", SshKmsErrorCategory.InvalidArgument, "The maximum back-dating must not be negative.");
        }

        /// <summary>The smallest RSA key certified; may be lowered to OpenSSH's own minimum of 1024 bits, never below.</summary>
        public int MinimumRsaBits
        {
            get => _minimumRsaBits;
            set => _minimumRsaBits = value >= SshKeyChecks.OpenSshMinimumRsaBits ? value
                : throw new SshKmsException("CertificatePolicyInvalid", SshKmsErrorCategory.InvalidArgument,
                    $"The minimum RSA key size cannot go below OpenSSH's {SshKeyChecks.OpenSshMinimumRsaBits} bits; {value} was asked.");
        }

        /// <summary>The clock; tests pin it.</summary>
        public Func<DateTimeOffset> Clock { get; set; } = () => DateTimeOffset.UtcNow;

        public static CertificatePolicy Default => new CertificatePolicy();

        /// <summary>Checks the request against the policy and fills a builder; nothing is signed here.</summary>
        public SshCertificateBuilder Apply(CertificateRequest request, SshPublicKey caKey, string caller)
        {
            if (request == null)
            {
                throw new ArgumentNullException(nameof(request));
            }

            if (request.PublicKey.KeyType.EndsWith(SshKeyTypes.CertSuffix, StringComparison.Ordinal))
            {
                throw new SshKmsException("CertificateSubjectInvalid", SshKmsErrorCategory.InvalidArgument, "The key to certify is itself a certificate; give the plain public key.");
            }

            CheckSubjectKey(request.PublicKey);
            bool host = request.Type == SshCertificateType.Host;
            List<string> principals = Principals(request);
            if (principals.Count == 0 && !request.AnyPrincipal)
            {
                throw new SshKmsException("CertificatePrincipalRequired", SshKmsErrorCategory.InvalidArgument, host
                    ? "A host certificate needs at least one principal (the host's names); without one it is valid for every host name. Ask explicitly for any principal to make one valid for every host."
                    : "A user certificate needs at least one principal (the login name); ask explicitly for any principal to make one valid for every user.");
            }

            if (host && (request.ForceCommand != null || request.SourceAddress != null || request.VerifyRequired))
            {
                // ssh refuses a host certificate with any critical option ("contains unsupported critical options").
                throw new SshKmsException("CertificateHostCriticalOption", SshKmsErrorCategory.InvalidArgument,
                    "A host certificate takes no critical options (force-command, source-address, verify-required): ssh would refuse it.");
            }

            string comment = request.Comment ?? request.PublicKey.Comment;
            if (comment.Any(char.IsControl))
            {
                throw new SshKmsException("CertificateCommentInvalid", SshKmsErrorCategory.InvalidArgument,
                    "The certificate comment contains a line break or another control character; the -cert.pub file must stay one line.");
            }

            ulong serial = request.Serial ?? RandomSerial();
            if (serial == 0)
            {
                throw new SshKmsException("CertificateSerialInvalid", SshKmsErrorCategory.InvalidArgument, "The serial must be non-zero: 0 cannot be revoked by serial in a KRL.");
            }

            DateTimeOffset now = Clock();
            (DateTimeOffset from, DateTimeOffset to) = Window(request, now);

            var builder = new SshCertificateBuilder(request.PublicKey, caKey)
            {
                Serial = serial,
                Type = request.Type,
                ValidAfter = ToUnix(from - request.Backdate),
                ValidBefore = ToUnix(to),
                Comment = comment,
            };
            foreach (string p in principals)
            {
                builder.Principals.Add(p);
            }

            foreach (var option in CriticalOptions(request))
            {
                builder.CriticalOptions.Add(option);
            }

            foreach (string extension in Extensions(request))
            {
                builder.Extensions.Add(new KeyValuePair<string, string>(extension, string.Empty));
            }

            builder.KeyId = ExpandKeyId(request.KeyIdTemplate ?? KeyIdTemplate, principals, serial, caller, now, request.PublicKey.Fingerprint);
            if (builder.KeyId.Any(char.IsControl))
            {
                // sshd writes the key id into its log line: a line break there would forge log lines, a NUL cut the certificate.
                throw new SshKmsException("CertificateKeyIdInvalid", SshKmsErrorCategory.InvalidArgument,
                    $"The key id \"{Printable(builder.KeyId)}\" contains a control character.");
            }

            return builder;
        }

        /// <summary>Control characters shown as \uXXXX, for messages that quote what a caller gave.</summary>
        internal static string Printable(string text) =>
            text.Any(char.IsControl)
                ? string.Concat(text.Select(c => char.IsControl(c) ? "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture) : c.ToString()))
                : text;

        private void CheckSubjectKey(SshPublicKey key)
        {
            string? why = SshKeyChecks.WhyOpenSshRefuses(key, MinimumRsaBits);
            if (why == null)
            {
                return;
            }

            bool tooSmall = key.RsaModulus != null && key.Bits < Math.Max(MinimumRsaBits, SshKeyChecks.OpenSshMinimumRsaBits);
            throw tooSmall
                ? new SshKmsException("CertificateSubjectKeyTooSmall", SshKmsErrorCategory.InvalidArgument, $"Refusing to certify {key.KeyType} key {key.Fingerprint}: {why}.")
                : new SshKmsException("CertificateSubjectKeyInvalid", SshKmsErrorCategory.InvalidArgument,
                    $"Refusing to certify {key.KeyType} key {key.Fingerprint}: {why}, so ssh-keygen and sshd would refuse it.");
        }

        /// <summary>Trimmed, duplicates dropped; each one a name OpenSSH can carry and match, at most <see cref="MaxPrincipals"/>.</summary>
        private static List<string> Principals(CertificateRequest request)
        {
            foreach (string? p in request.Principals)
            {
                // Checked before trimming: a trailing \r or \n is a sign of pasted or injected text, not of a name.
                if (p != null && p.Any(char.IsControl))
                {
                    throw new SshKmsException("CertificatePrincipalInvalid", SshKmsErrorCategory.InvalidArgument,
                        $"The principal \"{Printable(p)}\" contains a control character (a line break, tab, NUL...); principals are user or host names.");
                }
            }

            List<string> principals = request.Principals.Select(p => (p ?? string.Empty).Trim()).Distinct(StringComparer.Ordinal).ToList();
            if (principals.Any(p => p.Length == 0 || p.Contains(",")))
            {
                throw new SshKmsException("CertificatePrincipalInvalid", SshKmsErrorCategory.InvalidArgument, "A principal is empty or contains a comma; give each principal separately.");
            }

            if (principals.Count > MaxPrincipals)
            {
                throw new SshKmsException("CertificateTooManyPrincipals", SshKmsErrorCategory.LimitsExceeded,
                    $"A certificate holds at most {MaxPrincipals} principals (OpenSSH refuses more); {principals.Count} were given.");
            }

            return principals;
        }

        /// <summary>Fills {principal} (the first), {principals} (comma-joined), {serial}, {caller}, {time} (UTC, ISO 8601) and {fingerprint}.</summary>
        public static string ExpandKeyId(string template, IReadOnlyList<string> principals, ulong serial, string caller, DateTimeOffset time, string fingerprint)
        {
            return TemplateField.Replace(template ?? string.Empty, m =>
            {
                switch (m.Groups[1].Value)
                {
                    case "principal": return principals.Count > 0 ? principals[0] : "*";
                    case "principals": return principals.Count > 0 ? string.Join(",", principals) : "*";
                    case "serial": return serial.ToString(CultureInfo.InvariantCulture);
                    case "caller": return caller;
                    case "time": return time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
                    case "fingerprint": return fingerprint;
                    default:
                        throw new SshKmsException("CertificateKeyIdTemplateInvalid", SshKmsErrorCategory.InvalidArgument,
                            $"Unknown key id field '{m.Value}': use {{principal}}, {{principals}}, {{serial}}, {{caller}}, {{time}} or {{fingerprint}}.");
                }
            });
        }

        private (DateTimeOffset From, DateTimeOffset To) Window(CertificateRequest request, DateTimeOffset now)
        {
            bool host = request.Type == SshCertificateType.Host;
            TimeSpan max = host ? MaxHostValidity : MaxUserValidity;
            if (request.Backdate < TimeSpan.Zero)
            {
                throw new SshKmsException("CertificateValidityInvalid", SshKmsErrorCategory.InvalidArgument, "Back-dating must not be negative.");
            }

            if (request.Backdate > MaxBackdate)
            {
                throw new SshKmsException("CertificateBackdateTooLong", SshKmsErrorCategory.LimitsExceeded,
                    $"Back-dating covers clock skew and is capped at {Describe(MaxBackdate)}; {Describe(request.Backdate)} was asked.");
            }

            DateTimeOffset from;
            DateTimeOffset to;
            if (request.ValidFrom.HasValue || request.ValidTo.HasValue)
            {
                if (request.Validity.HasValue)
                {
                    throw new SshKmsException("CertificateValidityConflict", SshKmsErrorCategory.InvalidArgument,
                        "Give either a validity duration or an explicit from/to window, not both.");
                }

                from = request.ValidFrom ?? now;
                to = request.ValidTo ?? from + (host ? DefaultHostValidity : DefaultUserValidity);
            }
            else
            {
                TimeSpan validity = request.Validity ?? (host ? DefaultHostValidity : DefaultUserValidity);
                if (validity <= TimeSpan.Zero)
                {
                    throw new SshKmsException("CertificateValidityInvalid", SshKmsErrorCategory.InvalidArgument, "The validity must be positive.");
                }

                from = now;
                to = now + validity;
            }

            if (to <= from)
            {
                throw new SshKmsException("CertificateValidityInvalid", SshKmsErrorCategory.InvalidArgument,
                    $"The certificate would end ({to:u}) before it starts ({from:u}).");
            }

            // The window a server honours starts at the back-dated valid-after, so that is what the maximum bounds.
            TimeSpan whole = to - from + request.Backdate;
            if (whole > max)
            {
                string asked = request.Backdate > TimeSpan.Zero ? $"{Describe(whole)} (back-dating included)" : Describe(whole);
                throw new SshKmsException("CertificateValidityTooLong", SshKmsErrorCategory.LimitsExceeded,
                    $"A {(host ? "host" : "user")} certificate may be valid for at most {Describe(max)}; {asked} was asked.");
            }

            return (from, to);
        }

        private static IEnumerable<KeyValuePair<string, string>> CriticalOptions(CertificateRequest request)
        {
            if (request.ForceCommand != null)
            {
                if (request.ForceCommand.Trim().Length == 0)
                {
                    throw new SshKmsException("CertificateOptionInvalid", SshKmsErrorCategory.InvalidArgument, "force-command needs a command.");
                }

                if (request.ForceCommand.IndexOf('\0') >= 0)
                {
                    // OpenSSH reads the option as a C string: a NUL makes the certificate unparseable.
                    throw new SshKmsException("CertificateOptionInvalid", SshKmsErrorCategory.InvalidArgument, "force-command contains a NUL character.");
                }

                yield return new KeyValuePair<string, string>("force-command", request.ForceCommand);
            }

            if (request.SourceAddress != null)
            {
                yield return new KeyValuePair<string, string>("source-address", SourceAddress.Normalize(request.SourceAddress));
            }

            if (request.VerifyRequired)
            {
                yield return new KeyValuePair<string, string>("verify-required", string.Empty);
            }
        }

        private static IEnumerable<string> Extensions(CertificateRequest request)
        {
            if (request.NoExtensions)
            {
                return Array.Empty<string>();
            }

            if (request.Extensions != null)
            {
                var names = request.Extensions.Select(e => (e ?? string.Empty).Trim()).Distinct(StringComparer.Ordinal).ToList();
                if (names.Any(n => n.Length == 0 || n.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
                {
                    throw new SshKmsException("CertificateOptionInvalid", SshKmsErrorCategory.InvalidArgument, "An extension name is empty or contains spaces or control characters.");
                }

                return names;
            }

            return request.Type == SshCertificateType.User ? DefaultUserExtensions : Array.Empty<string>();
        }

        private static ulong RandomSerial()
        {
            var bytes = new byte[8];
            using (var rng = RandomNumberGenerator.Create())
            {
                ulong serial;
                do
                {
                    rng.GetBytes(bytes);
                    serial = BitConverter.ToUInt64(bytes, 0);
                }
                while (serial == 0);
                return serial;
            }
        }

        private static ulong ToUnix(DateTimeOffset time) => time.ToUnixTimeSeconds() < 0 ? 0UL : (ulong)time.ToUnixTimeSeconds();

        private static string Describe(TimeSpan span) =>
            span.TotalDays >= 1 && span.Ticks % TimeSpan.TicksPerDay == 0 ? $"{span.TotalDays:0} days"
            : span.TotalHours >= 1 ? $"{span.TotalHours:0.##} hours" : $"{span.TotalMinutes:0.##} minutes";
    }
}
