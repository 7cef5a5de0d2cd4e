using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace SshKms.Core.OpenSsh
{
    public enum SshCertificateType
    {
        User = 1,
        Host = 2,
    }

    /// <summary>
    /// An OpenSSH v01 certificate (PROTOCOL.certkeys). Build one with <see cref="SshCertificateBuilder"/>;
    /// read one with <see cref="Parse"/> or <see cref="FromBlob"/>.
    /// </summary>
    public sealed class SshCertificate
    {
        /// <summary>The end of time in a certificate: valid_before = 0xffffffffffffffff means "forever".</summary>
        public const ulong Forever = ulong.MaxValue;

        private readonly byte[] _blob;

        internal SshCertificate(byte[] blob, string comment, string certType, byte[] nonce, SshPublicKey key, ulong serial, SshCertificateType type,
            string keyId, IReadOnlyList<string> principals, ulong validAfter, ulong validBefore,
            IReadOnlyList<KeyValuePair<string, string>> criticalOptions, IReadOnlyList<KeyValuePair<string, string>> extensions,
            SshPublicKey signatureKey, byte[] signature, int signedLength)
        {
            _blob = blob;
            Comment = comment;
            CertificateKeyType = certType;
            Nonce = nonce;
            Key = key;
            Serial = serial;
            Type = type;
            KeyId = keyId;
            Principals = principals;
            ValidAfter = validAfter;
            ValidBefore = validBefore;
            CriticalOptions = criticalOptions;
            Extensions = extensions;
            SignatureKey = signatureKey;
            Signature = signature;
            SignedLength = signedLength;
        }

        /// <summary>e.g. "ecdsa-sha2-nistp256-cert-v01@openssh.com".</summary>
        public string CertificateKeyType { get; }

        public string Comment { get; }

        public byte[] Nonce { get; }

        /// <summary>The certified public key.</summary>
        public SshPublicKey Key { get; }

        public ulong Serial { get; }

        public SshCertificateType Type { get; }

        public string KeyId { get; }

        public IReadOnlyList<string> Principals { get; }

        /// <summary>Seconds since the Unix epoch.</summary>
        public ulong ValidAfter { get; }

        /// <summary>Seconds since the Unix epoch; <see cref="Forever"/> for no end.</summary>
        public ulong ValidBefore { get; }

        /// <summary>Name and value; a flag option such as verify-required has an empty value.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> CriticalOptions { get; }

        public IReadOnlyList<KeyValuePair<string, string>> Extensions { get; }

        /// <summary>The CA public key that signed this certificate.</summary>
        public SshPublicKey SignatureKey { get; }

        /// <summary>The SSH signature blob: string algorithm, string signature.</summary>
        public byte[] Signature { get; }

        public string SignatureAlgorithm => SshSignature.AlgorithmOf(Signature);

        /// <summary>How many leading bytes of the blob the signature covers.</summary>
        internal int SignedLength { get; }

        public byte[] GetBlob() => (byte[])_blob.Clone();

        public byte[] GetSignedBytes()
        {
            var signed = new byte[SignedLength];
            Buffer.BlockCopy(_blob, 0, signed, 0, SignedLength);
            return signed;
        }

        public DateTimeOffset ValidFrom => FromUnix(ValidAfter);

        public DateTimeOffset? ValidTo => ValidBefore == Forever ? (DateTimeOffset?)null : FromUnix(ValidBefore);

        /// <summary>True when <see cref="SignatureKey"/> signed this certificate; says nothing about whether that CA is trusted.</summary>
        public bool VerifySignature() => SshSignatureVerifier.Verify(SignatureKey, GetSignedBytes(), Signature);

        /// <summary>valid_after &lt;= now &lt; valid_before, the window sshd enforces.</summary>
        public bool IsValidAt(DateTimeOffset now)
        {
            long seconds = now.ToUnixTimeSeconds();
            return seconds >= 0 && (ulong)seconds >= ValidAfter && (ulong)seconds < ValidBefore;
        }

        /// <summary>
        /// Throws unless the signature verifies and <paramref name="now"/> lies in the validity window. ErrorIds:
        /// those of <see cref="SshSignatureVerifier.ErrorIdFor"/>, SshCertificateNotYetValid, SshCertificateExpired.
        /// </summary>
        public void Validate(DateTimeOffset now)
        {
            SshSignatureVerifier.EnsureValid(SignatureKey, GetSignedBytes(), Signature, "certificate");
            if (!IsValidAt(now))
            {
                bool early = now < ValidFrom;
                throw new SshKmsException(
                    early ? "SshCertificateNotYetValid" : "SshCertificateExpired",
                    SshKmsErrorCategory.SecurityError,
                    early ? $"Certificate '{KeyId}' is not valid before {ValidFrom:u}." : $"Certificate '{KeyId}' expired at {ValidTo:u}.");
            }
        }

        /// <summary>The one-line form for an -cert.pub file.</summary>
        public override string ToString() =>
            string.IsNullOrEmpty(Comment) ? $"{CertificateKeyType} {Convert.ToBase64String(_blob)}" : $"{CertificateKeyType} {Convert.ToBase64String(_blob)} {Comment}";

        public static DateTimeOffset FromUnix(ulong seconds) =>
            seconds >= 253402300799UL ? DateTimeOffset.MaxValue : DateTimeOffset.FromUnixTimeSeconds((long)seconds);

        /// <summary>Parses an "-cert.pub" line: "type base64 [comment]".</summary>
        public static SshCertificate Parse(string line)
        {
            string[] fields = (line ?? string.Empty).Trim().Split(new[] { ' ', '\t' }, 3, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0)
            {
                throw new SshFormatException("Malformed certificate: the text is empty.", "SshCertificateInvalid");
            }

            if (!fields[0].EndsWith(SshKeyTypes.CertSuffix, StringComparison.Ordinal))
            {
                throw new SshFormatException(
                    $"Malformed certificate: '{SshPublicKey.Truncate(fields[0])}' is not an OpenSSH certificate type.", "SshCertificateInvalid");
            }

            if (fields.Length < 2)
            {
                throw new SshFormatException("Malformed certificate: the base64 data is missing.", "SshCertificateInvalid");
            }

            SshCertificate cert = FromBlob(SshPublicKey.DecodeBase64(fields[1], "certificate"), fields.Length > 2 ? fields[2] : string.Empty);
            if (cert.CertificateKeyType != fields[0])
            {
                throw new SshFormatException(
                    $"Malformed certificate: the line says '{fields[0]}' but the data is '{cert.CertificateKeyType}'.", "SshKeyTypeMismatch");
            }

            return cert;
        }

        public static SshCertificate FromBlob(byte[] blob, string comment = "")
        {
            var r = new SshReader(blob, "certificate");
            string certType = r.ReadString("certificate type");
            string? keyType = SshKeyTypes.KeyTypeForCertificate(certType);
            if (keyType == null)
            {
                throw new SshFormatException($"Malformed certificate: '{SshPublicKey.Truncate(certType)}' is not a supported certificate type.", "SshKeyTypeUnsupported");
            }

            byte[] nonce = r.ReadBytes("nonce");
            int partsStart = blob.Length - r.Remaining;
            SshPublicKey.SkipParts(keyType, r);
            int partsEnd = blob.Length - r.Remaining;
            SshPublicKey key = SshPublicKey.FromBlob(KeyBlob(keyType, blob, partsStart, partsEnd));
            ulong serial = r.ReadUInt64();
            uint type = r.ReadUInt32();
            if (type != 1 && type != 2)
            {
                throw r.Error($"certificate type {type} is neither user (1) nor host (2)");
            }

            string keyId = r.ReadString("key id");
            List<string> principals = ReadPrincipals(r.ReadBytes("valid principals"));
            ulong validAfter = r.ReadUInt64();
            ulong validBefore = r.ReadUInt64();
            var critical = ReadOptions(r.ReadBytes("critical options"), "critical options");
            var extensions = ReadOptions(r.ReadBytes("extensions"), "extensions");
            r.ReadBytes("reserved");
            SshPublicKey signatureKey = SshPublicKey.FromBlob(r.ReadBytes("signature key"));
            int signedLength = blob.Length - r.Remaining;
            byte[] signature = r.ReadBytes("signature");
            r.EnsureEnd();
            SshSignature.Split(signature, out _);
            return new SshCertificate((byte[])blob.Clone(), comment ?? string.Empty, certType, nonce, key, serial, (SshCertificateType)type,
                keyId, principals, validAfter, validBefore, critical, extensions, signatureKey, signature, signedLength);
        }

        private static byte[] KeyBlob(string keyType, byte[] blob, int start, int end)
        {
            var typeBytes = new SshWriter().WriteString(keyType).ToArray();
            var result = new byte[typeBytes.Length + end - start];
            Buffer.BlockCopy(typeBytes, 0, result, 0, typeBytes.Length);
            Buffer.BlockCopy(blob, start, result, typeBytes.Length, end - start);
            return result;
        }

        private static List<string> ReadPrincipals(byte[] packed)
        {
            var r = new SshReader(packed, "certificate principals");
            var list = new List<string>();
            while (!r.AtEnd)
            {
                list.Add(r.ReadString("principal"));
            }

            return list;
        }

        private static List<KeyValuePair<string, string>> ReadOptions(byte[] packed, string what)
        {
            var r = new SshReader(packed, "certificate " + what);
            var list = new List<KeyValuePair<string, string>>();
            string? previous = null;
            while (!r.AtEnd)
            {
                string name = r.ReadString("option name");
                byte[] data = r.ReadBytes("option data");
                string value = string.Empty;
                if (data.Length > 0)
                {
                    var valueReader = new SshReader(data, "certificate option " + name);
                    value = valueReader.ReadString("option value");
                    valueReader.EnsureEnd();
                }

                if (previous != null && string.CompareOrdinal(previous, name) >= 0)
                {
                    throw r.Error($"{what} are not in strictly sorted order ('{previous}' then '{name}')");
                }

                previous = name;
                list.Add(new KeyValuePair<string, string>(name, value));
            }

            return list;
        }

        internal static byte[] PackPrincipals(IEnumerable<string> principals)
        {
            var w = new SshWriter();
            foreach (string p in principals)
            {
                w.WriteString(p);
            }

            return w.ToArray();
        }

        /// <summary>Options sorted by name, as the spec requires; flag options carry empty data.</summary>
        internal static byte[] PackOptions(IEnumerable<KeyValuePair<string, string>> options)
        {
            var w = new SshWriter();
            foreach (var option in options.OrderBy(o => o.Key, StringComparer.Ordinal))
            {
                w.WriteString(option.Key);
                w.WriteBytes(option.Value.Length == 0 ? Array.Empty<byte>() : new SshWriter().WriteString(option.Value).ToArray());
            }

            return w.ToArray();
        }
    }
}
