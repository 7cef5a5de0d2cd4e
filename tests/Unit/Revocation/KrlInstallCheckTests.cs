using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SshKms.Core;
using SshKms.Core.OpenSsh;
using SshKms.Core.Revocation;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Revocation
{
    /// <summary>The node-side rule: a KRL installs only with a valid CA signature and a krl_version no lower than the installed one.</summary>
    public sealed class KrlInstallCheckTests : IDisposable
    {
        private readonly TempDir _dir = new TempDir("sshkms-krl-install");

        public void Dispose() => _dir.Dispose();

        private (string Krl, SshPublicKey Ca, string CaLine) Revoke(string ca, string krl, string serial)
        {
            RevokeCertificateOperation.RunAsync(new RevokeCertificateOptions { CaKey = ca, Serials = new[] { serial }, KrlPath = krl }, default).GetAwaiter().GetResult();
            string line = TestHome.CaPublicKeyLine(ca);
            return (krl, SshPublicKey.Parse(line), line);
        }

        [Theory]
        [InlineData("ECC_NIST_P256")]
        [InlineData("ECC_NIST_EDWARDS25519")]
        [InlineData("RSA_2048")]
        public void A_signed_newer_krl_verifies_in_core_and_with_ssh_keygen(string keySpec)
        {
            string ca = TestHome.NewLocalKey("krl-sig");
            Assert.Equal(0, Tool.Sshkms(new[] { "ca", "create", "--ca", ca, "--key-spec", keySpec }).ExitCode);
            string krl = _dir.File("ca.krl");
            (_, SshPublicKey caKey, string caLine) = Revoke(ca, krl, "10");
            byte[] v1 = File.ReadAllBytes(krl);
            Revoke(ca, krl, "11");
            byte[] v2 = File.ReadAllBytes(krl);

            Assert.Equal(2UL, KrlInstallCheck.Verify(v2, File.ReadAllText(krl + ".sig"), caKey, v1));
            Assert.Equal(2UL, KrlInstallCheck.Verify(v2, File.ReadAllText(krl + ".sig"), caKey, null));

            string signers = _dir.File("signers");
            File.WriteAllText(signers, $"ca namespaces=\"sshkms-krl\" {caLine}\n");
            Tool.Result verify = Tool.Run("sh", new[] { "-c", $"ssh-keygen -Y verify -f '{signers}' -I ca -n sshkms-krl -s '{krl}.sig' < '{krl}'" });
            Assert.True(verify.ExitCode == 0, verify.Error + verify.Output);
        }

        [Fact]
        public void Tampered_unsigned_foreign_and_older_krls_are_refused()
        {
            string ca = TestHome.NewLocalCa("krl-refuse");
            string krl = _dir.File("ca.krl");
            (_, SshPublicKey caKey, _) = Revoke(ca, krl, "10");
            byte[] v1 = File.ReadAllBytes(krl);
            string sig1 = File.ReadAllText(krl + ".sig");
            Revoke(ca, krl, "11");
            byte[] v2 = File.ReadAllBytes(krl);
            string sig2 = File.ReadAllText(krl + ".sig");

            byte[] tampered = (byte[])v2.Clone();
            tampered[tampered.Length - 1] ^= 1;
            Assert.Equal("KrlSignatureInvalid", Assert.Throws<SshKmsException>(() => KrlInstallCheck.Verify(tampered, sig2, caKey, v1)).ErrorId);
            Assert.Equal("KrlSignatureInvalid", Assert.Throws<SshKmsException>(() => KrlInstallCheck.Verify(v2, sig1, caKey, v1)).ErrorId);
            Assert.Equal("KrlSignatureInvalid", Assert.Throws<SshKmsException>(() => KrlInstallCheck.Verify(v2, "garbage", caKey, v1)).ErrorId);
            SshPublicKey stranger = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519).PublicKey;
            Assert.Contains("not by the CA key", Assert.Throws<SshKmsException>(() => KrlInstallCheck.Verify(v2, sig2, stranger, v1)).Message);

            // A replayed older KRL, validly signed, would un-revoke serial 11.
            Assert.Equal("KrlVersionRollback", Assert.Throws<SshKmsException>(() => KrlInstallCheck.Verify(v1, sig1, caKey, v2)).ErrorId);
        }

        [Fact]
        public void The_shell_fragment_installs_a_newer_signed_krl_and_refuses_older_or_tampered_ones()
        {
            string ca = TestHome.NewLocalCa("krl-sh");
            string published = _dir.File("published.krl");
            (_, _, string caLine) = Revoke(ca, published, "10");
            string v1 = _dir.File("v1.krl");
            File.Copy(published, v1);
            File.Copy(published + ".sig", v1 + ".sig");
            Revoke(ca, published, "11");
            string target = _dir.File("revoked_keys");

            Tool.Result Install(string krl) => Tool.Run("sh", new[] { "-c", KrlInstallCheck.ShellScript(krl, target, caLine) });

            Assert.Equal(0, Install(v1).ExitCode);
            Assert.Equal(File.ReadAllBytes(v1), File.ReadAllBytes(target));
            Tool.Result newer = Install(published);
            Assert.True(newer.ExitCode == 0, newer.Error);
            Assert.Equal(File.ReadAllBytes(published), File.ReadAllBytes(target));

            Tool.Result older = Install(v1);
            Assert.Equal(4, older.ExitCode);
            Assert.Equal(File.ReadAllBytes(published), File.ReadAllBytes(target));

            File.AppendAllText(v1, "x");
            Assert.Equal(3, Install(v1).ExitCode);
            Assert.Equal(File.ReadAllBytes(published), File.ReadAllBytes(target));
        }
    }
}
