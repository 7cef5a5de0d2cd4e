using System;
using System.IO;
using SshKms.Core.OpenSsh;
using Xunit;

namespace SshKms.Tests.OpenSsh
{
    public class FoundationSmokeTests
    {
        [Theory]
        [InlineData(SshKeyAlgorithm.Ed25519)]
        [InlineData(SshKeyAlgorithm.EcdsaP256)]
        [InlineData(SshKeyAlgorithm.EcdsaP521)]
        [InlineData(SshKeyAlgorithm.Rsa2048)]
        public void SshKeygenReadsOurPrivateKeyAndCertificate(SshKeyAlgorithm algorithm)
        {
            using var keygen = new SshKeygen();
            using var ca = SshPrivateKey.Generate(algorithm, "ca");
            using var user = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "user");
            string keyPath = keygen.Write("id", user.ToOpenSshFormat());
            string derivedPub = keygen.Run("-y", "-f", keyPath).Trim();
            Assert.StartsWith(user.PublicKey.ToString().Split(' ')[0] + " " + user.PublicKey.ToString().Split(' ')[1], derivedPub);

            var builder = new SshCertificateBuilder(user.PublicKey, ca.PublicKey) { Serial = 42, KeyId = "smoke", ValidAfter = 0, ValidBefore = SshCertificate.Forever };
            builder.Principals.Add("alice");
            builder.Extensions.Add(new("permit-pty", ""));
            builder.CriticalOptions.Add(new("source-address", "127.0.0.1/32"));
            SshCertificate cert = builder.Complete(ca.Sign(builder.GetBytesToSign()));
            string certPath = keygen.Write("id-cert.pub", cert.ToString() + "\n");
            string listing = keygen.Run("-L", "-f", certPath);
            Assert.Contains("Serial: 42", listing);
            Assert.Contains("alice", listing);
            Assert.Contains(ca.PublicKey.Fingerprint, listing);
            SshCertificate back = SshCertificate.Parse(File.ReadAllText(certPath));
            Assert.Equal(cert.GetBlob(), back.GetBlob());
            using var reread = SshPrivateKey.ParseOpenSsh(File.ReadAllText(keyPath));
            Assert.Equal(user.PublicKey, reread.PublicKey);
        }
    }
}
