using System;
using System.IO;
using System.Linq;
using SshKms.Core.Audit;
using SshKms.Core.Revocation;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Revocation
{
    /// <summary>Revoke-SshKmsCertificate, Get-SshKmsRevocation and Test-SshKmsRevocation in a real runspace.</summary>
    public sealed class RevocationCmdletTests : IDisposable
    {
        private readonly TempDir _dir = new TempDir("sshkms-krl-ps");
        private readonly ModuleRunspace _ps = new ModuleRunspace();

        public void Dispose()
        {
            _ps.Dispose();
            _dir.Dispose();
        }

        private string NewKey(string name)
        {
            string path = _dir.File(name);
            Tool.Check("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path);
            return path + ".pub";
        }

        private static int RevokedLines(string ca) =>
            AuditJournal.Default().ReadAll().Count(e => e.GetProperty("type").GetString() == AuditEvent.CertificateRevoked && e.GetProperty("caKey").GetString() == ca);

        [Fact]
        public void WhatIf_writes_no_krl_no_signature_and_no_journal_line()
        {
            string ca = TestHome.NewLocalCa("krl-whatif");
            string krl = _dir.File("w.krl");
            RunResult r = _ps.Run("Revoke-SshKmsCertificate -CaKey $ca -Serial 5 -KrlPath $krl -WhatIf", ("ca", ca), ("krl", krl));
            Assert.Empty(r.Errors);
            Assert.Empty(r.Output);
            Assert.False(File.Exists(krl));
            Assert.False(File.Exists(krl + ".sig"));
            Assert.Equal(0, RevokedLines(ca));

            // The default path is not created either.
            _ps.Ok("Revoke-SshKmsCertificate -CaKey $ca -KeyId x -WhatIf", ("ca", ca));
            Assert.False(File.Exists(KrlFiles.DefaultPath(ca)));
        }

        [Fact]
        public void Piped_certificates_are_revoked_in_one_change_and_read_back()
        {
            string ca = TestHome.NewLocalCa("krl-pipe");
            string a = NewKey("a"), b = NewKey("b");
            string krl = _dir.File("p.krl");
            RevokeCertificateResult result = Assert.IsType<RevokeCertificateResult>(Assert.Single(_ps.Ok(
                "@(New-SshKmsCertificate -CaKey $ca -PublicKeyPath $a -Principal alice -Serial 77; New-SshKmsCertificate -CaKey $ca -PublicKeyPath $b -Principal alice -Serial 78) | Revoke-SshKmsCertificate -CaKey $ca -KrlPath $krl -KeyId lost -Confirm:$false",
                ("ca", ca), ("a", a), ("b", b), ("krl", krl))).BaseObject);

            Assert.True(result.Changed);
            Assert.Equal(1UL, result.KrlVersion);
            Assert.Equal(krl, result.KrlPath);
            Assert.Equal(new[] { "serial: 77", "serial: 78", "key-id: lost" }, result.Added.Select(e => e.ToString()));
            Assert.Equal(1, RevokedLines(ca));

            RevocationList list = _ps.Ok("$r | Get-SshKmsRevocation", ("r", result)).Select(o => o.BaseObject).OfType<RevocationList>().Single();
            Assert.Equal(1UL, list.Version);
            Assert.Equal(Tool.Check("ssh-keygen", "-Q", "-l", "-f", krl), list.Listing);

            string cert = a.Replace(".pub", "-cert.pub");
            RevocationCheck check = Assert.IsType<RevocationCheck>(Assert.Single(_ps.Ok("Test-SshKmsRevocation -KrlPath $krl -Path $cert", ("krl", krl), ("cert", cert))).BaseObject);
            Assert.True(check.Revoked);
            Assert.Equal("serial 77", check.Reason);
            Assert.Equal(1, Tool.Run("ssh-keygen", new[] { "-Q", "-f", krl, cert }).ExitCode);

            string table = string.Join("\n", _ps.Ok("$r | Format-Table | Out-String -Width 120; $l | Format-Table | Out-String -Width 120; $c | Format-Table | Out-String -Width 120",
                ("r", result), ("l", list), ("c", check)).Select(o => o.ToString()));
            Assert.Contains("KrlVersion", table);
            Assert.Contains("serial 77, serial 78, key-id lost", table);
            Assert.Contains("Generated", table);
            Assert.Contains("Revoked", table);
        }

        [Fact]
        public void Get_by_CaKey_reads_the_default_path_and_bad_input_is_one_ErrorRecord()
        {
            string ca = TestHome.NewLocalCa("krl-default");
            _ps.Ok("Revoke-SshKmsCertificate -CaKey $ca -Serial 3-4 -Confirm:$false", ("ca", ca));
            RevocationList list = Assert.IsType<RevocationList>(Assert.Single(_ps.Ok("Get-SshKmsRevocation -CaKey $ca", ("ca", ca))).BaseObject);
            Assert.Equal(KrlFiles.DefaultPath(ca), list.Path);
            Assert.Equal("3-4", Assert.Single(list.Entries).Value);

            Assert.Equal("RevocationSerialInvalid", _ps.Run("Revoke-SshKmsCertificate -CaKey $ca -Serial 0 -Confirm:$false", ("ca", ca)).ErrorId);
            Assert.Equal("KrlNotFound", _ps.Run("Get-SshKmsRevocation -Path $p", ("p", _dir.File("none.krl"))).ErrorId);
        }
    }
}
