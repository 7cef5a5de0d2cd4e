using System.Collections.Concurrent;
using SshKms.Core.Audit;
using SshKms.Core.Authority;
using SshKms.Core.OpenSsh;

namespace SshKms.Tests.Authority
{
    /// <summary>CAs over in-memory keys, one per name, shared by the cmdlet and CLI tests (see InMemorySigningKey).</summary>
    public static class TestCa
    {
        public const string Operator = "tester@sshkms-tests";

        private static readonly ConcurrentDictionary<string, InMemorySigningKey> Keys = new ConcurrentDictionary<string, InMemorySigningKey>();

        public static InMemorySigningKey Key(string name, SshKeyAlgorithm algorithm = SshKeyAlgorithm.EcdsaP256) =>
            Keys.GetOrAdd(name, n => new InMemorySigningKey(algorithm, n));

        public static CertificateAuthority Create(string name = "test-ca", AuditJournal? journal = null, CertificatePolicy? policy = null) =>
            new CertificateAuthority(Key(name), Operator, policy ?? new CertificatePolicy(), journal);
    }
}
