using System;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace SshKms.Core.OpenSsh
{
    /// <summary>
    /// An OpenSSH public key: the wire blob plus its parsed parts. Instances are only made from blobs that
    /// parse completely, so holders can rely on the parts being present for the key type.
    /// </summary>
    public sealed class SshPublicKey : IEquatable<SshPublicKey>
    {
        private static readonly char[] LineBreaks = { '\n', '\r' };

        private readonly byte[] _blob;

        private SshPublicKey(string keyType, byte[] blob, string comment)
        {
            KeyType = keyType;
            _blob = blob;
            Comment = comment;
        }

        public string KeyType { get; }

        public string Comment { get; }

        /// <summary>"nistp256" etc. for ECDSA keys.</summary>
        public string? Curve { get; private set; }

        /// <summary>The uncompressed EC point (0x04 || X || Y) for ECDSA keys.</summary>
        public byte[]? EcPoint { get; private set; }

        /// <summary>The 32-byte Ed25519 public key.</summary>
        public byte[]? Ed25519Key { get; private set; }

        public byte[]? RsaExponent { get; private set; }

        public byte[]? RsaModulus { get; private set; }

        /// <summary>The FIDO application string of sk- keys, usually "ssh:".</summary>
        public string? Application { get; private set; }

        public bool IsSecurityKey => Application != null;

        /// <summary>Key size in bits as ssh-keygen reports it.</summary>
        public int Bits
        {
            get
            {
                if (RsaModulus != null)
                {
                    int bits = RsaModulus.Length * 8;
                    byte top = RsaModulus[0];
                    for (int mask = 0x80; mask > 0 && (top & mask) == 0; mask >>= 1)
                    {
                        bits--;
                    }

                    return bits;
                }

                if (Curve != null)
                {
                    return Curve == "nistp521" ? 521 : SshKeyTypes.EcdsaCoordinateLength(Curve) * 8;
                }

                return 256;
            }
        }

        public byte[] GetBlob() => (byte[])_blob.Clone();

        /// <summary>SHA256:base64 without padding, exactly as `ssh-keygen -l` prints it.</summary>
        public string Fingerprint => FingerprintOf(_blob);

        public static string FingerprintOf(byte[] blob)
        {
            using (var sha = SHA256.Create())
            {
                return "SHA256:" + Convert.ToBase64String(sha.ComputeHash(blob)).TrimEnd('=');
            }
        }

        /// <summary>True when <paramref name="signatureBlob"/> is this key's valid SSH signature over <paramref name="data"/>.</summary>
        public bool Verify(byte[] data, byte[] signatureBlob) => SshSignatureVerifier.Verify(this, data, signatureBlob);

        public SshPublicKey WithComment(string comment) => FromBlob(_blob, comment);

        /// <summary>The authorized_keys form: "type base64 [comment]".</summary>
        public override string ToString() =>
            string.IsNullOrEmpty(Comment) ? $"{KeyType} {Convert.ToBase64String(_blob)}" : $"{KeyType} {Convert.ToBase64String(_blob)} {Comment}";

        /// <summary>
        /// Parses one public key line: "type base64 [comment]", optionally preceded by authorized_keys options.
        /// </summary>
        public static SshPublicKey Parse(string line)
        {
            if (line == null)
            {
                throw new ArgumentNullException(nameof(line));
            }

            string text = line.Trim();
            if (text.Length == 0)
            {
                throw new SshFormatException("Malformed public key: the text is empty.", "SshPublicKeyEmpty");
            }

            if (text.StartsWith("-----BEGIN", StringComparison.Ordinal))
            {
                throw new SshFormatException(
                    "Malformed public key: this is a PEM private key or key file, not an OpenSSH public key line. Give the .pub file.",
                    "SshPublicKeyIsPrivate");
            }

            if (text.IndexOfAny(LineBreaks) >= 0)
            {
                // Otherwise the next line would become this key's comment, and any file written with it two lines.
                throw new SshFormatException(
                    "Malformed public key: the text holds more than one line. Give exactly one key (one line), e.g. one .pub file per key.",
                    "SshPublicKeyMultipleLines");
            }

            int typeStart = FindKeyTypeToken(text);
            if (typeStart < 0)
            {
                string first = text.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries)[0];
                throw new SshFormatException(
                    $"Malformed public key: '{Truncate(first)}' is not a supported key type (expected one of {string.Join(", ", SshKeyTypes.PublicKeyTypes)}).",
                    "SshKeyTypeUnsupported");
            }

            string[] fields = text.Substring(typeStart).Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            string keyType = fields[0];
            if (keyType.EndsWith(SshKeyTypes.CertSuffix, StringComparison.Ordinal))
            {
                throw new SshFormatException(
                    $"Malformed public key: '{keyType}' is a certificate, not a plain public key.", "SshPublicKeyIsCertificate");
            }

            if (fields.Length < 2)
            {
                throw new SshFormatException("Malformed public key: the base64 key data is missing.", "SshPublicKeyTruncated");
            }

            byte[] blob = DecodeBase64(fields[1], "public key");
            string comment = string.Join(" ", fields.Skip(2));
            SshPublicKey key = FromBlob(blob, comment);
            if (key.KeyType != keyType)
            {
                throw new SshFormatException(
                    $"Malformed public key: the line says '{keyType}' but the key data is '{key.KeyType}'.", "SshKeyTypeMismatch");
            }

            return key;
        }

        /// <summary>
        /// Where the key type starts: the first whitespace-separated token that names a key or certificate type.
        /// Tokens before it are authorized_keys options (or known_hosts host names), where whitespace inside double
        /// quotes does not end a token, as in sshd: command="run ssh-rsa x" must not be taken for a key.
        /// </summary>
        private static int FindKeyTypeToken(string text)
        {
            int i = 0;
            while (i < text.Length)
            {
                while (i < text.Length && (text[i] == ' ' || text[i] == '\t'))
                {
                    i++;
                }

                int start = i;
                bool quoted = false;
                for (; i < text.Length && (quoted || (text[i] != ' ' && text[i] != '\t')); i++)
                {
                    if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] == '"')
                    {
                        i++;
                    }
                    else if (text[i] == '"')
                    {
                        quoted = !quoted;
                    }
                }

                string token = text.Substring(start, i - start);
                if (SshKeyTypes.IsKnownKeyType(token) || token.EndsWith(SshKeyTypes.CertSuffix, StringComparison.Ordinal))
                {
                    return start;
                }
            }

            return -1;
        }

        public static byte[] DecodeBase64(string text, string what)
        {
            try
            {
                return Convert.FromBase64String(text);
            }
            catch (FormatException)
            {
                throw new SshFormatException($"Malformed {what}: the key data is not valid base64.", "SshBase64Invalid");
            }
        }

        /// <summary>Parses a public key wire blob.</summary>
        public static SshPublicKey FromBlob(byte[] blob, string comment = "")
        {
            var reader = new SshReader(blob, "public key");
            string keyType = reader.ReadString("key type");
            var key = new SshPublicKey(keyType, (byte[])blob.Clone(), comment ?? string.Empty);
            key.ReadParts(reader);
            reader.EnsureEnd();
            return key;
        }

        /// <summary>Reads the type-specific parts that follow the type name, as in a blob or a certificate body.</summary>
        internal void ReadParts(SshReader reader)
        {
            switch (KeyType)
            {
                case SshKeyTypes.Ed25519:
                case SshKeyTypes.SkEd25519:
                    Ed25519Key = reader.ReadBytes("ed25519 key");
                    if (Ed25519Key.Length != 32)
                    {
                        throw reader.Error($"an ed25519 key is 32 bytes, not {Ed25519Key.Length}");
                    }

                    break;
                case SshKeyTypes.EcdsaP256:
                case SshKeyTypes.EcdsaP384:
                case SshKeyTypes.EcdsaP521:
                case SshKeyTypes.SkEcdsaP256:
                    Curve = reader.ReadString("curve name");
                    string expected = KeyType == SshKeyTypes.SkEcdsaP256 ? "nistp256" : KeyType.Substring("ecdsa-sha2-".Length);
                    if (Curve != expected)
                    {
                        throw reader.Error($"key type {KeyType} names curve '{Truncate(Curve)}'");
                    }

                    EcPoint = reader.ReadBytes("EC point");
                    int coordinate = SshKeyTypes.EcdsaCoordinateLength(Curve);
                    if (EcPoint.Length != 1 + 2 * coordinate || EcPoint[0] != 0x04)
                    {
                        throw reader.Error($"the EC point is not an uncompressed {Curve} point");
                    }

                    break;
                case SshKeyTypes.Rsa:
                    RsaExponent = reader.ReadMpint("RSA exponent");
                    RsaModulus = reader.ReadMpint("RSA modulus");
                    if (RsaModulus.Length == 0 || RsaExponent.Length == 0)
                    {
                        throw reader.Error("the RSA exponent or modulus is zero");
                    }

                    if (RsaModulus.Length > 2048)
                    {
                        throw reader.Error("the RSA modulus is larger than 16384 bits");
                    }

                    break;
                default:
                    throw KeyType.EndsWith(SshKeyTypes.CertSuffix, StringComparison.Ordinal)
                        ? new SshFormatException($"Malformed public key: '{Truncate(KeyType)}' is a certificate, not a plain public key.", "SshPublicKeyIsCertificate")
                        : new SshFormatException($"Malformed public key: '{Truncate(KeyType)}' is not a supported key type.", "SshKeyTypeUnsupported");
            }

            if (KeyType == SshKeyTypes.SkEd25519 || KeyType == SshKeyTypes.SkEcdsaP256)
            {
                Application = reader.ReadString("security key application");
            }
        }

        /// <summary>Reads past (and checks) a key's type-specific parts, where they are embedded without their type name, as in a certificate.</summary>
        internal static void SkipParts(string keyType, SshReader reader) => new SshPublicKey(keyType, Array.Empty<byte>(), string.Empty).ReadParts(reader);

        public bool Equals(SshPublicKey? other) => other != null && _blob.SequenceEqual(other._blob);

        public override bool Equals(object? obj) => Equals(obj as SshPublicKey);

        public override int GetHashCode() => Fingerprint.GetHashCode();

        internal static string Truncate(string s) => s.Length <= 40 ? s : s.Substring(0, 40) + "...";
    }
}
