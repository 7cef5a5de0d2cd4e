using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using SshKms.Core;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.Revocation;
using SshKms.Core.Trust;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Trust
{
    /// <summary>`trust set` on a Debian-like layout in a temp folder, judged by a real sshd started on what it wrote.</summary>
    public sealed class TrustSetTests : IDisposable
    {
        private readonly TrustSshd _server;
        private readonly string _ca = TestHome.NewLocalKey("trust-ca");

        public TrustSetTests()
        {
            _server = new TrustSshd();
            SigningKeys.CreateAsync(KeyUri.Parse(_ca), null, new AwsSettings(), CancellationToken.None).GetAwaiter().GetResult();
        }

        public void Dispose() => _server.Dispose();

        private CaTrustResult Set(Action<SetCaTrustOptions>? shape = null)
        {
            var options = new SetCaTrustOptions { CaKeys = new[] { _ca }, SshdConfig = _server.ConfigPath, NoReload = true };
            shape?.Invoke(options);
            return SetCaTrustOperation.RunAsync(options, CancellationToken.None).GetAwaiter().GetResult();
        }

        private static SshKmsException Refused(Action action) => Assert.Throws<SshKmsException>(action);

        [Fact]
        public void AfterSet_a_real_sshd_accepts_a_certificate_login_through_the_principals_file()
        {
            CaTrustResult result = Set(o => o.Principals = new[] { TrustSshd.User + "=alice,bob" });
            Assert.Equal("Changed", result.Status);
            Assert.Equal("DropIn", result.Placement);
            Assert.True(File.Exists(Path.Combine(_server.Folder, "sshd_config.d", "00-sshkms.conf")));

            _server.Start();
            Tool.Result ok = _server.Login(_ca, new[] { "alice" });
            Assert.True(ok.ExitCode == 0, ok.Error + _server.Log);
            Assert.Equal("certified", ok.Output.Trim());

            // The principals file, not the login name, decides: a certificate naming only the login user is refused.
            Tool.Result refused = _server.Login(_ca, new[] { TrustSshd.User });
            Assert.Equal(255, refused.ExitCode);
        }

        [Fact]
        public void A_certificate_from_another_CA_is_refused()
        {
            Set();
            string other = TestHome.NewLocalKey("trust-other");
            SigningKeys.CreateAsync(KeyUri.Parse(other), null, new AwsSettings(), CancellationToken.None).GetAwaiter().GetResult();
            _server.Start();
            Assert.True(_server.Login(_ca, new[] { TrustSshd.User }).ExitCode == 0, _server.Log);
            Assert.Equal(255, _server.Login(other, new[] { TrustSshd.User }).ExitCode);
        }

        [Fact]
        public void Second_run_with_the_same_inputs_changes_no_file_and_reports_Unchanged()
        {
            Set(o => o.Principals = new[] { "deploy=alice" });
            Dictionary<string, (string, DateTime)> before = _server.Snapshot();
            Thread.Sleep(20);
            CaTrustResult again = Set(o => o.Principals = new[] { "deploy=alice" });
            Assert.Equal("Unchanged", again.Status);
            Assert.Empty(again.Changes);
            Assert.Equal(before, _server.Snapshot());
        }

        [Fact]
        public void A_preexisting_invalid_line_is_refused_and_every_file_stays_byte_for_byte()
        {
            File.AppendAllText(_server.ConfigPath, "NoSuchKeyword yes\n");
            Dictionary<string, (string, DateTime)> before = _server.Snapshot();
            SshKmsException ex = Refused(() => Set());
            Assert.Equal("TrustConfigInvalid", ex.ErrorId);
            Assert.Contains("NoSuchKeyword", ex.Message);
            Assert.Contains(_server.ConfigPath, ex.Message);
            Assert.Equal(before, _server.Snapshot());
            Assert.False(Directory.Exists(Path.Combine(_server.Folder, "sshkms")));
        }

        [Fact]
        public void A_keyword_set_earlier_by_someone_else_is_an_error_naming_file_and_line()
        {
            string theirs = Path.Combine(_server.Folder, "sshd_config.d", "00-aaa.conf");
            File.WriteAllText(theirs, "# theirs\nTrustedUserCAKeys /etc/ssh/other_ca\n");
            Dictionary<string, (string, DateTime)> before = _server.Snapshot();
            SshKmsException ex = Refused(() => Set());
            Assert.Equal("TrustKeywordConflict", ex.ErrorId);
            Assert.Contains(theirs + " line 2", ex.Message);
            Assert.Equal(before, _server.Snapshot());
        }

        [Fact]
        public void Without_a_drop_in_folder_include_one_marked_Include_line_goes_at_the_top_and_wins()
        {
            using var server = new TrustSshd(debianInclude: false);
            string original = File.ReadAllText(server.ConfigPath);
            CaTrustResult result = SetCaTrustOperation.RunAsync(
                new SetCaTrustOptions { CaKeys = new[] { _ca }, SshdConfig = server.ConfigPath, NoReload = true }, CancellationToken.None).GetAwaiter().GetResult();
            Assert.Equal("Include", result.Placement);
            string[] lines = File.ReadAllLines(server.ConfigPath);
            Assert.StartsWith("# sshkms:", lines[0]);
            Assert.Equal("Include " + Path.Combine(server.Folder, "sshkms", "sshkms.conf"), lines[1]);
            Assert.Equal(original, string.Join("\n", lines.Skip(2)) + "\n");

            server.Start();
            Assert.True(server.Login(_ca, new[] { TrustSshd.User }).ExitCode == 0, server.Log);

            // Removing the last CA puts the main file back as it was.
            RemoveCaTrustOperation.RunAsync(new RemoveCaTrustOptions { CaKey = _ca, SshdConfig = server.ConfigPath, NoReload = true }, CancellationToken.None)
                .GetAwaiter().GetResult();
            Assert.Equal(original, File.ReadAllText(server.ConfigPath));
            Assert.False(File.Exists(Path.Combine(server.Folder, "sshkms", "trusted_user_ca_keys")));
        }

        [Fact]
        public void RevokedKeys_installs_a_copy_of_the_KRL_and_sshd_T_points_at_it()
        {
            string revokedKey = Path.Combine(_server.Folder, "revoked");
            Tool.Check("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", revokedKey);
            string krl = Path.Combine(_server.Folder, "source.krl");
            Tool.Check("ssh-keygen", "-k", "-f", krl, revokedKey + ".pub");
            CaTrustResult result = Set(o => o.RevokedKeys = krl);

            string installed = Path.Combine(_server.Folder, "sshkms", "revoked_keys");
            Assert.Equal(File.ReadAllBytes(krl), File.ReadAllBytes(installed));
            Assert.Equal("644", Convert.ToString((int)File.GetUnixFileMode(installed), 8));
            string effective = Tool.Check("/usr/sbin/sshd", "-T", "-f", _server.ConfigPath, "-C", "user=root,host=h,addr=127.0.0.1");
            Assert.Contains("revokedkeys " + installed, effective);
            Assert.Contains("trustedusercakeys " + Path.Combine(_server.Folder, "sshkms", "trusted_user_ca_keys"), effective);

            // Once installed, a later run without the KRL keeps it: dropping it would silently un-revoke.
            Assert.Equal("Unchanged", Set().Status);
            Assert.True(File.Exists(installed));
        }

        [Fact]
        public void A_signed_KRL_is_installed_only_if_a_trusted_CA_signed_it_and_it_is_not_older_than_the_installed_one()
        {
            string krl = Path.Combine(_server.Folder, "ca.krl");
            RevokeCertificateResult Revoke(string serial) => RevokeCertificateOperation.RunAsync(
                new RevokeCertificateOptions { CaKey = _ca, Serials = new[] { serial }, KrlPath = krl }, CancellationToken.None).GetAwaiter().GetResult();
            string installed = Path.Combine(_server.Folder, "sshkms", "revoked_keys");

            Revoke("7");
            byte[] first = File.ReadAllBytes(krl);
            string firstSignature = File.ReadAllText(krl + ".sig");
            Revoke("8");
            byte[] second = File.ReadAllBytes(krl);
            Assert.Equal("Changed", Set(o => o.RevokedKeys = krl).Status);
            Assert.Equal(second, File.ReadAllBytes(installed));

            // The older list, with its own valid signature, would un-revoke serial 8.
            string replay = Path.Combine(_server.Folder, "replay.krl");
            File.WriteAllBytes(replay, first);
            File.WriteAllText(replay + ".sig", firstSignature);
            Assert.Equal("KrlVersionRollback", Refused(() => Set(o => o.RevokedKeys = replay)).ErrorId);

            // A byte changed after signing, or a list signed by a CA not being trusted.
            string tampered = Path.Combine(_server.Folder, "tampered.krl");
            byte[] changed = (byte[])second.Clone();
            changed[changed.Length - 1] ^= 1;
            File.WriteAllBytes(tampered, changed);
            File.Copy(krl + ".sig", tampered + ".sig");
            Assert.Equal("KrlSignatureInvalid", Refused(() => Set(o => o.RevokedKeys = tampered)).ErrorId);
            string otherCa = TestHome.NewLocalCa("trust-other-ca");
            Assert.Equal("KrlSignatureInvalid", Refused(() => Set(o => { o.CaKeys = new[] { otherCa }; o.RevokedKeys = krl; })).ErrorId);

            Assert.Equal(second, File.ReadAllBytes(installed));
        }

        [Fact]
        public void Installed_files_are_0644_or_tighter()
        {
            Set(o => o.Principals = new[] { "deploy=alice" });
            foreach (string file in Directory.GetFiles(Path.Combine(_server.Folder, "sshkms"), "*", SearchOption.AllDirectories)
                .Concat(new[] { Path.Combine(_server.Folder, "sshd_config.d", "00-sshkms.conf") }))
            {
                UnixFileMode mode = File.GetUnixFileMode(file);
                Assert.True((mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) == 0,
                    $"{file} is {Convert.ToString((int)mode, 8)}");
            }
        }

        [Fact]
        public void WhatIf_plans_the_diff_and_writes_nothing()
        {
            Dictionary<string, (string, DateTime)> before = _server.Snapshot();
            SetCaTrustOperation plan = SetCaTrustOperation.PlanAsync(
                new SetCaTrustOptions { CaKeys = new[] { _ca }, SshdConfig = _server.ConfigPath }, CancellationToken.None).GetAwaiter().GetResult();
            CaTrustResult whatIf = plan.WhatIf();
            Assert.Equal("WhatIf", whatIf.Status);
            Assert.Contains("+TrustedUserCAKeys " + Path.Combine(_server.Folder, "sshkms", "trusted_user_ca_keys"), whatIf.Diff);
            Assert.Equal(before, _server.Snapshot());
            Assert.False(Directory.Exists(Path.Combine(_server.Folder, "sshkms")));
        }

        [Fact]
        public void A_running_sshd_is_sent_SIGHUP_when_its_configuration_changed_and_then_accepts_the_CA()
        {
            _server.Start();
            Assert.Equal(255, _server.Login(_ca, new[] { TrustSshd.User }).ExitCode);
            CaTrustResult result = Set(o => o.NoReload = false);
            Assert.StartsWith("SIGHUP to sshd pid", result.Reload);

            // sshd re-executes itself on SIGHUP; give it a moment to listen again.
            Tool.Result login = default!;
            for (int i = 0; i < 50; i++)
            {
                login = _server.Login(_ca, new[] { TrustSshd.User });
                if (login.ExitCode == 0)
                {
                    break;
                }

                Thread.Sleep(100);
            }

            Assert.True(login.ExitCode == 0, login.Error + _server.Log);
        }

        [Fact]
        public void Bad_principals_mapping_is_TrustPrincipalsInvalid_before_anything_is_read()
        {
            Assert.Equal("TrustPrincipalsInvalid", Refused(() => Set(o => o.Principals = new[] { "../etc=alice" })).ErrorId);
            Assert.Equal("TrustPrincipalsInvalid", Refused(() => Set(o => o.Principals = new[] { "deploy" })).ErrorId);
            Assert.Equal("TrustCaKeyMissing", Refused(() => Set(o => o.CaKeys = new string[0])).ErrorId);
            Assert.Equal("TrustConfigNotFound", Refused(() => Set(o => o.SshdConfig = Path.Combine(_server.Folder, "missing"))).ErrorId);
        }
    }
}
