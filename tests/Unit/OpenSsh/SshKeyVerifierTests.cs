using System.Linq;
using System.Threading.Tasks;
using SshKms.Core.OpenSsh;
using Xunit;

namespace SshKms.Tests.OpenSsh
{
    /// <summary>The CA's verifier with the key imported once gives exactly the answers of the one that imports per call.</summary>
    public class SshKeyVerifierTests
    {
        [Fact]
        public void EveryKeyAndSignaturePairGetsTheSameStatusAsTheStaticVerifier()
        {
            var signatures = Samples.Signatures.ToList();
            foreach (SshPrivateKey key in Samples.Keys)
            {
                using var verifier = new SshKeyVerifier(key.PublicKey);
                foreach ((SshPublicKey _, byte[] signature) in signatures)
                {
                    foreach (byte[] message in new[] { Samples.Message, new byte[] { 1, 2, 3 } })
                    {
                        Assert.Equal(SshSignatureVerifier.Check(key.PublicKey, message, signature), verifier.Check(message, signature));
                    }
                }

                Assert.Equal(SshSignatureStatus.Valid, verifier.Check(Samples.Message, key.Sign(Samples.Message)));
                Assert.Equal(SshSignatureStatus.Malformed, verifier.Check(Samples.Message, new byte[] { 0, 0, 0, 9 }));
            }
        }

        [Fact]
        public void OneVerifierServesManyThreads()
        {
            SshPrivateKey key = Samples.Keys.First(k => k.PublicKey.Curve != null);
            byte[] good = key.Sign(Samples.Message);
            using var verifier = new SshKeyVerifier(key.PublicKey);
            Parallel.For(0, 400, i =>
            {
                Assert.Equal(SshSignatureStatus.Valid, verifier.Check(Samples.Message, good));
                Assert.Equal(SshSignatureStatus.Invalid, verifier.Check(new byte[] { (byte)i }, good));
            });
        }

        [Fact]
        public void AnInvalidSignatureThrowsTheSameErrorAsTheStaticVerifier()
        {
            SshPrivateKey key = Samples.Keys.First(k => k.PublicKey.Curve != null);
            using var verifier = new SshKeyVerifier(key.PublicKey);
            byte[] signature = key.Sign(Samples.Message);
            var ours = Assert.Throws<SshFormatException>(() => verifier.EnsureValid(new byte[] { 9 }, signature, "CA"));
            var theirs = Assert.Throws<SshFormatException>(() => SshSignatureVerifier.EnsureValid(key.PublicKey, new byte[] { 9 }, signature, "CA"));
            Assert.Equal(theirs.ErrorId, ours.ErrorId);
            Assert.Equal(theirs.Message, ours.Message);
        }
    }
}
