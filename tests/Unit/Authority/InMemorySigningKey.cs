using System;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;

namespace SshKms.Tests.Authority
{
    /// <summary>
    /// Test-only ISigningKey over an in-memory SshPrivateKey, for CA and cmdlet tests that want many key types
    /// without files. Signatures are real; only the key storage is skipped (LocalSigningKeyTests cover storage).
    /// </summary>
    public sealed class InMemorySigningKey : ISigningKey, IDisposable
    {
        private readonly SshPrivateKey _key;

        public InMemorySigningKey(SshKeyAlgorithm algorithm = SshKeyAlgorithm.EcdsaP256, string name = "test-ca")
        {
            _key = SshPrivateKey.Generate(algorithm, name);
            Uri = KeyUri.Parse("local:" + name);
        }

        public KeyUri Uri { get; }

        public string KeyArn => Uri.ToString();

        public SshPublicKey PublicKey => _key.PublicKey;

        public int SignCount;

        public Task<SigningResult> SignAsync(byte[] data, string? rsaAlgorithm, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref SignCount);
            byte[] blob = _key.Sign(data, rsaAlgorithm);
            return Task.FromResult(new SigningResult(blob, SshSignature.AlgorithmOf(blob), null));
        }

        public void Dispose() => _key.Dispose();
    }

    /// <summary>
    /// Fake: publishes one key and signs with another, as a KMS alias repointed at a different key would.
    /// </summary>
    public sealed class FakeSwappedSigningKey : ISigningKey
    {
        private readonly InMemorySigningKey _published = new InMemorySigningKey(name: "published");
        private readonly InMemorySigningKey _signer = new InMemorySigningKey(name: "signer");

        public KeyUri Uri => _published.Uri;

        public string KeyArn => _published.KeyArn;

        public SshPublicKey PublicKey => _published.PublicKey;

        public Task<SigningResult> SignAsync(byte[] data, string? rsaAlgorithm, CancellationToken cancellationToken) =>
            _signer.SignAsync(data, rsaAlgorithm, cancellationToken);
    }
}
