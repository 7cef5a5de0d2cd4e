using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Authority
{
    /// <summary>
    /// A certificate as data: what Get-SshCertificate outputs and `sshkms cert show --json` prints, with the same
    /// names in both, so scripts move between PowerShell and the CLI unchanged.
    /// </summary>
    public sealed class CertificateInfo
    {
        public CertificateInfo(SshCertificate certificate, string? path = null)
        {
            Certificate = certificate ?? throw new ArgumentNullException(nameof(certificate));
            Path = path;
        }

        /// <summary>"User" or "Host".</summary>
        public string Type => Certificate.Type.ToString();

        public string KeyId => Certificate.KeyId;

        public ulong Serial => Certificate.Serial;

        public string[] Principals => Certificate.Principals.ToArray();

        public DateTimeOffset ValidFrom => Certificate.ValidFrom;

        /// <summary>null: valid forever.</summary>
        public DateTimeOffset? ValidTo => Certificate.ValidTo;

        /// <summary>Name to value; flag options such as verify-required map to an empty string.</summary>
        public IDictionary<string, string> CriticalOptions => ToDictionary(Certificate.CriticalOptions);

        public string[] Extensions => Certificate.Extensions.Select(e => e.Key).ToArray();

        public string SigningCaFingerprint => Certificate.SignatureKey.Fingerprint;

        public string SigningCaKeyType => Certificate.SignatureKey.KeyType;

        public string SignatureAlgorithm => Certificate.SignatureAlgorithm;

        public string PublicKeyType => Certificate.Key.KeyType;

        public string PublicKeyFingerprint => Certificate.Key.Fingerprint;

        /// <summary>The file the certificate was read from, when there was one.</summary>
        public string? Path { get; }

        public SshCertificate Certificate { get; }

        /// <summary>The property names above, in order: the JSON field names.</summary>
        public static readonly IReadOnlyList<string> FieldNames = new[]
        {
            nameof(Type), nameof(KeyId), nameof(Serial), nameof(Principals), nameof(ValidFrom), nameof(ValidTo), nameof(CriticalOptions),
            nameof(Extensions), nameof(SigningCaFingerprint), nameof(SigningCaKeyType), nameof(SignatureAlgorithm), nameof(PublicKeyType),
            nameof(PublicKeyFingerprint), nameof(Path), nameof(Certificate),
        };

        public override string ToString() => Certificate.ToString();

        /// <summary>One JSON object; the certificate itself as its OpenSSH line.</summary>
        public string ToJson(bool indented = false)
        {
            using (var buffer = new MemoryStream())
            {
                using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
                {
                    w.WriteStartObject();
                    w.WriteString(nameof(Type), Type);
                    w.WriteString(nameof(KeyId), KeyId);
                    w.WriteNumber(nameof(Serial), Serial);
                    w.WriteStartArray(nameof(Principals));
                    foreach (string p in Principals)
                    {
                        w.WriteStringValue(p);
                    }

                    w.WriteEndArray();
                    w.WriteString(nameof(ValidFrom), Iso(ValidFrom));
                    if (ValidTo.HasValue)
                    {
                        w.WriteString(nameof(ValidTo), Iso(ValidTo.Value));
                    }
                    else
                    {
                        w.WriteNull(nameof(ValidTo));
                    }

                    w.WriteStartObject(nameof(CriticalOptions));
                    foreach (var option in Certificate.CriticalOptions)
                    {
                        w.WriteString(option.Key, option.Value);
                    }

                    w.WriteEndObject();
                    w.WriteStartArray(nameof(Extensions));
                    foreach (string e in Extensions)
                    {
                        w.WriteStringValue(e);
                    }

                    w.WriteEndArray();
                    w.WriteString(nameof(SigningCaFingerprint), SigningCaFingerprint);
                    w.WriteString(nameof(SigningCaKeyType), SigningCaKeyType);
                    w.WriteString(nameof(SignatureAlgorithm), SignatureAlgorithm);
                    w.WriteString(nameof(PublicKeyType), PublicKeyType);
                    w.WriteString(nameof(PublicKeyFingerprint), PublicKeyFingerprint);
                    if (Path != null)
                    {
                        w.WriteString(nameof(Path), Path);
                    }
                    else
                    {
                        w.WriteNull(nameof(Path));
                    }

                    w.WriteString(nameof(Certificate), Certificate.ToString());
                    w.WriteEndObject();
                }

                return Encoding.UTF8.GetString(buffer.ToArray());
            }
        }

        private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

        private static IDictionary<string, string> ToDictionary(IEnumerable<KeyValuePair<string, string>> options)
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var option in options)
            {
                map[option.Key] = option.Value;
            }

            return map;
        }
    }
}
