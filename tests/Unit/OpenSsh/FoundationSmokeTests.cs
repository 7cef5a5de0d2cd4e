using System;
using System.Diagnostics;
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
            string dir = Path.Combine(Path.GetTempPath(), "sshkms-smoke-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                using var ca = SshPrivateKey.Generate(algorithm, "ca");
                using var user = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "user");
                string keyPath = Path.Combine(dir, "id");
                File.WriteAllText(keyPath, user.ToOpenSshFormat());
                File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                string derivedPub = Run("ssh-keygen", $"-y -f {keyPath}").Trim();
                Assert.StartsWith(user.PublicKey.ToString().Split(' ')[0] + " " + user.PublicKey.ToString().Split(' ')[1], derivedPub);

                var builder = new SshCertificateBuilder(user.PublicKey, ca.PublicKey) { Serial = 42, KeyId = "smoke", ValidAfter = 0, ValidBefore = SshCertificate.Forever };
                builder.Principals.Add("alice");
                builder.Extensions.Add(new("permit-pty", ""));
                builder.CriticalOptions.Add(new("source-address", "127.0.0.1/32"));
                SshCertificate cert = builder.Complete(ca.Sign(builder.GetBytesToSign()));
                string certPath = Path.Combine(dir, "id-cert.pub");
                File.WriteAllText(certPath, cert.ToString() + "\n");
                string listing = Run("ssh-keygen", $"-L -f {certPath}");
                Assert.Contains("Serial: 42", listing);
                Assert.Contains("alice", listing);
                Assert.Contains(ca.PublicKey.Fingerprint, listing);
                SshCertificate back = SshCertificate.Parse(File.ReadAllText(certPath));
                Assert.Equal(cert.GetBlob(), back.GetBlob());
                using var reread = SshPrivateKey.ParseOpenSsh(File.ReadAllText(keyPath));
                Assert.Equal(user.PublicKey, reread.PublicKey);
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        private static string Run(string file, string args)
        {
            var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd();
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"{file} {args} failed: {err}");
            return output;
        }
    }
}
