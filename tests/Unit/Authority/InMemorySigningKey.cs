using System;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;

namespace SshKms.Tests.Authority
{
    /// <summary>
    /// Test-only ISigningKey over an in-memory SshPrivateKey. It stands in for the local: provider (branch `keys`)
    /// until that lands, so the CA, cmdlets and CLI can be exercised end to end against ssh-keygen and sshd.
    /// Signatures are real; only the key storage is skipped.
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
}
