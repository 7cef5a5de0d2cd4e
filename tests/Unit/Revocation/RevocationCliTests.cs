using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using SshKms.Core.Audit;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Revocation
{
    /// <summary>`sshkms revoke`, `krl show` and `krl check` run as processes, checked with ssh-keygen.</summary>
    public sealed class RevocationCliTests : IDisposable
    {
        private readonly TempDir _dir = new TempDir("sshkms-krl-cli");

        public void Dispose() => _dir.Dispose();

        private static Tool.Result Sshkms(params string[] args) => Tool.Sshkms(args);

        private static string Ok(params string[] args)
        {
            Tool.Result r = Sshkms(args);
            Assert.True(r.ExitCode == 0, $"sshkms {string.Join(" ", args)} exited {r.ExitCode}: {r.Error}");
            return r.Output;
        }

        /// <summary>A key pair and a certificate from the CA for it, with the given serial and principal.</summary>
        private string Certify(string ca, ulong serial, string principal = "alice")
        {
            string key = _dir.File("id-" + serial);
            Tool.Check("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key);
            Ok("cert", "new", "--ca", ca, "--public-key", key + ".pub", "--principal", principal, "--serial", serial.ToString(), "--validity", "1h");
            return key + "-cert.pub";
        }

        [Fact]
        public void Revoke_writes_the_default_krl_a_signature_ssh_keygen_verifies_and_a_journal_line()
        {
            string ca = TestHome.NewLocalCa("krl-cli");
            string name = ca.Substring("local:".Length);
            string revoked = Certify(ca, 42);
            string kept = Certify(ca, 43);

            Tool.Result r = Sshkms("revoke", "--ca", ca, "--serial", "42", "--serial", "1000-1999", "--key-id", "lost-laptop");
            Assert.True(r.ExitCode == 0, r.Error);
            string krl = Path.Combine(TestHome.Path, "krl", name + ".krl");
            Assert.True(File.Exists(krl));
            Assert.Equal("serial: 42\nserial: 1000-1999\nkey-id: lost-laptop\n", r.Output);

            // ssh-keygen reads our KRL and agrees with `krl check`, exit code for exit code.
            Assert.Equal(1, Tool.Run("ssh-keygen", new[] { "-Q", "-f", krl, revoked }).ExitCode);
            Assert.Equal(0, Tool.Run("ssh-keygen", new[] { "-Q", "-f", krl, kept }).ExitCode);
            Tool.Result check = Sshkms("krl", "check", krl, revoked, kept);
            Assert.Equal(1, check.ExitCode);
            Assert.Equal($"{revoked}: REVOKED (serial 42)\n{kept}: ok\n", check.Output);
            Assert.Equal(0, Sshkms("krl", "check", krl, kept).ExitCode);

            // The detached signature verifies with ssh-keygen -Y verify under the CA's public key.
            string signers = _dir.File("allowed_signers");
            File.WriteAllText(signers, $"ca namespaces=\"sshkms-krl\" {TestHome.CaPublicKeyLine(ca)}\n");
            Tool.Result verify = RunWithStdinFile("ssh-keygen", krl, "-Y", "verify", "-f", signers, "-I", "ca", "-n", "sshkms-krl", "-s", krl + ".sig");
            Assert.True(verify.ExitCode == 0, verify.Error + verify.Output);

            JsonElement line = AuditJournal.Default().ReadAll().Last(e => e.GetProperty("type").GetString() == "certificate.revoked" && e.GetProperty("caKey").GetString() == ca);
            Assert.Equal(1UL, line.GetProperty("krlVersion").GetUInt64());
            Assert.Equal(new[] { "42", "1000-1999" }, line.GetProperty("serials").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(krl, line.GetProperty("krlPath").GetString());
        }

        private static Tool.Result RunWithStdinFile(string file, string stdinPath, params string[] args) =>
            Tool.Run("sh", new[] { "-c", "exec \"$0\" \"$@\" < \"$STDIN_FILE\"", file }.Concat(args), env: new System.Collections.Generic.Dictionary<string, string?> { ["STDIN_FILE"] = stdinPath });

        [Fact]
        public void Each_change_increments_the_version_and_repeating_one_changes_nothing()
        {
            string ca = TestHome.NewLocalCa("krl-ver");
            string krl = _dir.File("ca.krl");
            Ok("revoke", "--ca", ca, "--serial", "5", "--krl", krl);
            Ok("revoke", "--ca", ca, "--serial", "6", "--krl", krl);
            byte[] before = File.ReadAllBytes(krl);
            DateTime mtime = File.GetLastWriteTimeUtc(krl);

            Tool.Result again = Sshkms("revoke", "--ca", ca, "--serial", "5-6", "--krl", krl, "--json");
            Assert.Equal(0, again.ExitCode);
            using JsonDocument json = JsonDocument.Parse(again.Output);
            Assert.False(json.RootElement.GetProperty("changed").GetBoolean());
            Assert.Equal(2UL, json.RootElement.GetProperty("krlVersion").GetUInt64());
            Assert.Equal(before, File.ReadAllBytes(krl));
            Assert.Equal(mtime, File.GetLastWriteTimeUtc(krl));

            string listing = Ok("krl", "show", krl);
            Assert.StartsWith("# KRL version 2\n", listing);
            Assert.Contains("serial: 5-6\n", listing);
            Assert.Equal(Tool.Check("ssh-keygen", "-Q", "-l", "-f", krl), listing);

            using JsonDocument shown = JsonDocument.Parse(Ok("krl", "show", krl, "--json"));
            Assert.Equal(2UL, shown.RootElement.GetProperty("version").GetUInt64());
            Assert.Equal("5-6", shown.RootElement.GetProperty("entries")[0].GetProperty("value").GetString());
        }

        [Fact]
        public void Principal_revokes_the_still_valid_certificates_the_journal_shows_for_it()
        {
            string ca = TestHome.NewLocalCa("krl-principal");
            string bob1 = Certify(ca, 7001, "bob");
            string bob2 = Certify(ca, 7002, "bob");
            string carol = Certify(ca, 7003, "carol");
            string krl = _dir.File("p.krl");

            Tool.Result r = Sshkms("revoke", "--ca", ca, "--principal", "bob", "--krl", krl);
            Assert.True(r.ExitCode == 0, r.Error);
            Assert.Equal("serial: 7001\nserial: 7002\n", r.Output);
            Assert.Equal(1, Tool.Run("ssh-keygen", new[] { "-Q", "-f", krl, bob1 }).ExitCode);
            Assert.Equal(1, Tool.Run("ssh-keygen", new[] { "-Q", "-f", krl, bob2 }).ExitCode);
            Assert.Equal(0, Tool.Run("ssh-keygen", new[] { "-Q", "-f", krl, carol }).ExitCode);

            Tool.Result nobody = Sshkms("revoke", "--ca", ca, "--principal", "nobody", "--krl", krl);
            Assert.Equal(1, nobody.ExitCode);
            Assert.EndsWith("[RevocationPrincipalNotFound]\n", nobody.Error);
        }

        [Fact]
        public void Public_key_goes_in_as_a_sha256_hash()
        {
            string ca = TestHome.NewLocalCa("krl-key");
            string cert = Certify(ca, 9);
            string pub = cert.Replace("-cert.pub", ".pub");
            string krl = _dir.File("k.krl");
            Ok("revoke", "--ca", ca, "--public-key", pub, "--krl", krl);

            string fingerprint = Tool.Check("ssh-keygen", "-l", "-E", "sha256", "-f", pub).Split(' ')[1];
            string hex = Convert.ToHexString(Convert.FromBase64String(fingerprint.Substring("SHA256:".Length) + "=")).ToLowerInvariant();
            Assert.Contains($"hash: SHA256:{hex}\n", Tool.Check("ssh-keygen", "-Q", "-l", "-f", krl));
            Assert.Equal(1, Tool.Run("ssh-keygen", new[] { "-Q", "-f", krl, cert }).ExitCode);
        }

        [Fact]
        public void A_malformed_krl_is_refused_and_left_as_it_was()
        {
            string ca = TestHome.NewLocalCa("krl-bad");
            string krl = _dir.File("bad.krl");
            File.WriteAllText(krl, "not a krl");
            Tool.Result r = Sshkms("revoke", "--ca", ca, "--serial", "1", "--krl", krl);
            Assert.Equal(1, r.ExitCode);
            Assert.EndsWith("[KrlMalformed]\n", r.Error);
            Assert.DoesNotContain("   at ", r.Error);
            Assert.Equal("not a krl", File.ReadAllText(krl));
            Assert.EndsWith("[KrlMalformed]\n", Sshkms("krl", "show", krl).Error);
            Assert.EndsWith("[KrlNotFound]\n", Sshkms("krl", "show", _dir.File("missing.krl")).Error);
        }
    }
}
