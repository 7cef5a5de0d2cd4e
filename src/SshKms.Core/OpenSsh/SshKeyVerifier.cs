using System;
using System.Security.Cryptography;

namespace SshKms.Core.OpenSsh
{
    /// <summary>
    /// Verifies signatures of one key with its platform key imported once. Importing (and so validating) an ECDSA or
    /// RSA public key costs more than a verification, and the CA verifies every signature KMS returns with the same
    /// key. Same statuses and errors as <see cref="SshSignatureVerifier"/>; safe to share between threads.
    /// </summary>
    public sealed class SshKeyVerifier : IDisposable
    {
        private readonly object _lock = new object();
        private readonly AsymmetricAlgorithm? _imported;

        public SshKeyVerifier(SshPublicKey key)
        {
            Key = key ?? throw new ArgumentNullException(nameof(key));
            try
            {
                _imported = SshSignatureVerifier.Import(key);
            }
            catch (CryptographicException)
            {
                // A key the platform will not load: every check then reports it as SshSignatureVerifier does.
                _imported = null;
            }
        }

        public SshPublicKey Key { get; }

        public SshSignatureStatus Check(byte[] data, byte[] signatureBlob)
        {
            if (_imported == null)
            {
                return SshSignatureVerifier.Check(Key, data, signatureBlob);
            }

            // The platform objects are not documented as thread-safe; a verification is short, so one at a time.
            lock (_lock)
            {
                return SshSignatureVerifier.Check(Key, data, signatureBlob, _imported);
            }
        }

        /// <summary>Throws the same <see cref="SshFormatException"/> as <see cref="SshSignatureVerifier.EnsureValid"/> unless the signature is valid.</summary>
        public void EnsureValid(byte[] data, byte[] signatureBlob, string what) => SshSignatureVerifier.ThrowUnlessValid(Check(data, signatureBlob), Key, what);

        public void Dispose() => _imported?.Dispose();
    }
}
