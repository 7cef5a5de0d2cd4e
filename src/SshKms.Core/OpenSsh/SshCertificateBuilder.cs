using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;

namespace SshKms.Core.OpenSsh
{
    /// <summary>
    /// Lays out the to-be-signed bytes of a v01 certificate, then appends the CA's signature. Signing is the
    /// caller's: a KMS key and a local key both just sign <see cref="GetBytesToSign"/>.
    /// </summary>
    public sealed class SshCertificateBuilder
    {
        private byte[]? _toSign;

        public SshCertificateBuilder(SshPublicKey key, SshPublicKey signatureKey)
        {
            Key = key ?? throw new ArgumentNullException(nameof(key));
            SignatureKey = signatureKey ?? throw new ArgumentNullException(nameof(signatureKey));
        }

        public SshPublicKey Key { get; }

        public SshPublicKey SignatureKey { get; }

        public ulong Serial { get; set; }

        public SshCertificateType Type { get; set; } = SshCertificateType.User;

        public string KeyId { get; set; } = string.Empty;

        public IList<string> Principals { get; } = new List<string>();

        public ulong ValidAfter { get; set; }

        public ulong ValidBefore { get; set; } = SshCertificate.Forever;

        public IList<KeyValuePair<string, string>> CriticalOptions { get; } = new List<KeyValuePair<string, string>>();

        public IList<KeyValuePair<string, string>> Extensions { get; } = new List<KeyValuePair<string, string>>();

        public string Comment { get; set; } = string.Empty;

        /// <summary>The bytes the CA signs. Fixed at the first call, nonce included.</summary>
        public byte[] GetBytesToSign()
        {
            if (_toSign != null)
            {
                return (byte[])_toSign.Clone();
            }

            var nonce = new byte[32];
            using (var rng = RandomNumberGenerator.Create())
            {
                rng.GetBytes(nonce);
            }

            byte[] keyBlob = Key.GetBlob();
            var keyReader = new SshReader(keyBlob, "public key");
            keyReader.ReadString("key type");
            byte[] keyParts = keyReader.ReadRest();

            _toSign = new SshWriter()
                .WriteString(SshKeyTypes.CertificateTypeFor(Key.KeyType))
                .WriteBytes(nonce)
                .WriteRaw(keyParts)
                .WriteUInt64(Serial)
                .WriteUInt32((uint)Type)
                .WriteString(KeyId)
                .WriteBytes(SshCertificate.PackPrincipals(Principals))
                .WriteUInt64(ValidAfter)
                .WriteUInt64(ValidBefore)
                .WriteBytes(SshCertificate.PackOptions(CriticalOptions))
                .WriteBytes(SshCertificate.PackOptions(Extensions))
                .WriteBytes(Array.Empty<byte>())
                .WriteBytes(SignatureKey.GetBlob())
                .ToArray();
            return (byte[])_toSign.Clone();
        }

        /// <summary>Appends the CA's SSH signature blob and parses the result back, so what we return is what a reader sees.</summary>
        public SshCertificate Complete(byte[] signatureBlob)
        {
            byte[] body = GetBytesToSign();
            byte[] blob = new SshWriter().WriteRaw(body).WriteBytes(signatureBlob).ToArray();
            return SshCertificate.FromBlob(blob, Comment);
        }
    }
}
