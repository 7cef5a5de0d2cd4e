using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using SshKms.Cli;
using SshKms.Core.Authority;
using SshKms.Core.OpenSsh;
using SshKms.Tests.Authority;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Cli
{
    /// <summary>
    /// `sshkms ca|cert` in-process through Program.RunAsync, with the real local key provider (keys under TestHome).
    /// </summary>
    public class CertCliTests
    {
        private static readonly string Ca = TestHome.NewLocalCa("cli-ca");
        private static readonly string LoginCa = TestHome.NewLocalCa("cli-login-ca");

        private sealed record Run(int Code, string Out, string Err);

        private static async Task<Run> Sshkms(string? stdin, params string[] args)
        {
            var output = new StringWriter();
            var error = new StringWriter();
            var console = new CliConsole(() => new MemoryStream(Encoding.UTF8.GetBytes(stdin ?? string.Empty)), () => new MemoryStream(), output, error);
            int code = await Program.RunAsync(args, console);
            return new Run(code, output.ToString(), error.ToString());
        }

        [Fact]
        public async Task CertNewWritesCertBesideThePublicKeyAndShowReadsIt()
        {
            using var dir = new TempDir();
            string pub = dir.File("id_ecdsa.pub");
            File.WriteAllText(pub, SshPrivateKey.Generate(SshKeyAlgorithm.EcdsaP256, "me").PublicKey + "\n");
            var r = await Sshkms(null, "cert", "new", "--ca", Ca, "--public-key", pub, "--principal", "alice", "--principal", "bob",
                "--validity", "2h", "--serial", "12345", "--option", "force-command=uptime", "--option", "verify-required", "--extension", "permit-pty");
            Assert.True(r.Code == 0, r.Err);
            string certPath = dir.File("id_ecdsa-cert.pub");
            string listing = Tool.Check("ssh-keygen", "-L", "-f", certPath);
            Assert.Contains("Serial: 12345", listing);
            Assert.Contains("force-command uptime", listing);
            Assert.Contains("verify-required", listing);
            Assert.Contains(SshPublicKey.Parse(TestHome.CaPublicKeyLine(Ca)).Fingerprint, listing);

            var show = await Sshkms(null, "cert", "show", certPath);
            Assert.Equal(0, show.Code);
            Assert.Contains("Serial: 12345", show.Out);
            Assert.Contains("Principals: alice, bob", show.Out);
        }

        [Fact]
        public async Task JsonFieldNamesAreGetSshCertificatesPropertyNames()
        {
            using var dir = new TempDir();
            string pub = dir.File("k.pub");
            File.WriteAllText(pub, SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519).PublicKey + "\n");
            var r = await Sshkms(null, "cert", "new", "--public-key", pub, "--ca", Ca, "--principal", "p", "--json");
            Assert.True(r.Code == 0, r.Err);
            using var doc = JsonDocument.Parse(r.Out);
            var names = doc.RootElement.EnumerateObject().Select(p => p.Name).ToList();
            var properties = typeof(CertificateInfo).GetProperties().Select(p => p.Name).OrderBy(n => n).ToList();
            Assert.Equal(properties, names.OrderBy(n => n).ToList());
            Assert.Equal(properties, CertificateInfo.FieldNames.OrderBy(n => n).ToList());
            Assert.Equal(File.ReadAllText(dir.File("k-cert.pub")).Trim(), doc.RootElement.GetProperty("Certificate").GetString());

            var show = await Sshkms(null, "cert", "show", dir.File("k-cert.pub"), "--json");
            using var shown = JsonDocument.Parse(show.Out);
            Assert.Equal(doc.RootElement.GetProperty("Serial").GetUInt64(), shown.RootElement.GetProperty("Serial").GetUInt64());
            Assert.Equal("User", shown.RootElement.GetProperty("Type").GetString());
        }

        [Fact]
        public async Task StdinInStdoutOut()
        {
            string key = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519).PublicKey.ToString();
            var r = await Sshkms(key, "cert", "new", "--ca", Ca, "--public-key", "-", "--type", "host", "--principal", "web1.example", "--validity", "30d");
            Assert.True(r.Code == 0, r.Err);
            SshCertificate cert = SshCertificate.Parse(r.Out);
            Assert.Equal(SshCertificateType.Host, cert.Type);
            var show = await Sshkms(r.Out, "cert", "show", "-");
            Assert.Contains("host certificate", show.Out);
        }

        [Fact]
        public async Task WithoutAPublicKeyANewKeyPairIsMadeAtOutAndLogsIn()
        {
            using var dir = new TempDir();
            string key = dir.File("session");
            var r = await Sshkms(null, "cert", "new", "--ca", LoginCa, "--out", key, "--principal", SshdServer.CurrentUser);
            Assert.True(r.Code == 0, r.Err);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
            Assert.StartsWith("ssh-ed25519 ", Tool.Check("ssh-keygen", "-y", "-f", key));
            Assert.True(File.Exists(key + ".pub"));
            using var sshd = new SshdServer(trustedUserCaKeys: new[] { TestHome.CaPublicKeyLine(LoginCa) });
            var args = sshd.ClientOptions().Concat(new[] { "-i", key, "-o", "IdentitiesOnly=yes", SshdServer.CurrentUser + "@127.0.0.1", "echo", "ok" });
            var login = Tool.Run("ssh", args);
            Assert.True(login.ExitCode == 0, login.Error + sshd.Log);
        }

        [Fact]
        public async Task CaPublicKeyPrintsTheTrustLines()
        {
            var r = await Sshkms(null, "ca", "public-key", "--ca", Ca);
            Assert.Equal(TestHome.CaPublicKeyLine(Ca), r.Out.Trim());
            var host = await Sshkms(null, "ca", "public-key", "--ca", Ca, "--host");
            Assert.Equal("@cert-authority * " + TestHome.CaPublicKeyLine(Ca), host.Out.Trim());
        }

        [Fact]
        public void AnSshKmsHomeThatIsAFileIsOneClearError()
        {
            using var dir = new TempDir();
            string file = dir.File("not-a-folder");
            File.WriteAllText(file, "x");
            Tool.Result r = Tool.Sshkms(new[] { "ca", "create", "--ca", "local:any" }, new System.Collections.Generic.Dictionary<string, string?> { ["SSHKMS_HOME"] = file });
            Assert.Equal(1, r.ExitCode);
            Assert.Contains("[SshKmsHomeInvalid]", r.Error);
            Assert.DoesNotContain("Unexpected", r.Error);
        }

        [Fact]
        public async Task RsaSha256SwitchSelectsTheSignatureAlgorithmOfAnRsaCa()
        {
            string rsaCa = TestHome.NewLocalKey("cli-rsa-ca");
            Assert.Equal(0, (await Sshkms(null, "ca", "create", "--ca", rsaCa, "--key-spec", "RSA_2048")).Code);
            string key = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519).PublicKey.ToString();
            var sha512 = await Sshkms(key, "cert", "new", "--ca", rsaCa, "--public-key", "-", "--principal", "a", "--json");
            var sha256 = await Sshkms(key, "cert", "new", "--ca", rsaCa, "--public-key", "-", "--principal", "a", "--json", "--rsa-sha256");
            Assert.True(sha256.Code == 0, sha256.Err);
            Assert.Equal("rsa-sha2-512", JsonDocument.Parse(sha512.Out).RootElement.GetProperty("SignatureAlgorithm").GetString());
            Assert.Equal("rsa-sha2-256", JsonDocument.Parse(sha256.Out).RootElement.GetProperty("SignatureAlgorithm").GetString());
        }

        [Fact]
        public async Task AKeyPairThatCannotBeWrittenIsRefusedBeforeAnythingIsSignedOrAudited()
        {
            using var dir = new TempDir();
            string existing = dir.File("id_taken");
            File.WriteAllText(existing, "keep me");
            const string serial = "777000777";
            var r = await Sshkms(null, "cert", "new", "--ca", Ca, "--out", existing, "--principal", "a", "--serial", serial);
            Assert.Equal(1, r.Code);
            Assert.Contains("[FileExists]", r.Err);
            Assert.Equal("keep me", File.ReadAllText(existing));
            Assert.False(File.Exists(existing + "-cert.pub"));
            Assert.Empty(new SshKms.Core.Audit.AuditJournal(Path.Combine(TestHome.Path, "audit.jsonl")).Read(new SshKms.Core.Audit.AuditFilter { Serial = 777000777 }));
        }

        /// <summary>
        /// Issue 12, cases 1-6, as the issue ran them: `sshkms cert new` as a process. Each is refused with its ErrorId on
        /// one line, writes no certificate and no journal line (CertificateRulesTests shows OpenSSH refusing the same).
        /// </summary>
        [Theory]
        [InlineData("CertificatePrincipalRequired", "ed25519", "--type", "host")]
        [InlineData("CertificateBackdateTooLong", "ed25519", "--principal", "a", "--validity", "1h", "--backdate", "3650d")]
        [InlineData("CertificateValidityTooLong", "ed25519", "--principal", "a", "--validity", "24h", "--backdate", "5m")]
        [InlineData("CertificatePrincipalInvalid", "ed25519", "--principal", "root\n2026-11-30T23:59:59.000Z  certificate.issued  local:alice@vm serial=1")]
        [InlineData("CertificateTooManyPrincipals", "ed25519", "@257")]
        [InlineData("CertificateSourceAddressInvalid", "ed25519", "--principal", "a", "--option", "source-address=127.0.0.1/8")]
        [InlineData("CertificateSourceAddressInvalid", "ed25519", "--principal", "a", "--option", "source-address=fe80::1%eth0")]
        [InlineData("CertificateSourceAddressInvalid", "ed25519", "--principal", "a", "--option", "source-address=0x7f.0.0.1")]
        [InlineData("CertificateHostCriticalOption", "ed25519", "--type", "host", "--principal", "web1", "--option", "force-command=true")]
        [InlineData("CertificateSubjectKeyInvalid", "off-curve", "--principal", "a")]
        [InlineData("CertificateSubjectKeyTooSmall", "rsa512", "--principal", "a")]
        [InlineData("SshPublicKeyMultipleLines", "two-keys", "--principal", "a")]
        [InlineData("SshFormatInvalid", "ed25519-33", "--principal", "a")]
        [InlineData("CertificateOptionRepeated", "ed25519", "--principal", "a", "--option", "source-address=10.0.0.0/8", "--option", "source-address=127.0.0.1")]
        [InlineData("CertificateOptionRepeated", "ed25519", "--principal", "a", "--option", "force-command=uptime", "--option", "force-command=reboot")]
        public void Issue12CertificatesOpenSshWouldRefuseOrMisuseAreNotSigned(string errorId, string key, params string[] options)
        {
            using var dir = new TempDir();
            string pub = dir.File("subject.pub");
            File.WriteAllText(pub, key switch
            {
                "off-curve" => CertificateRulesTests.OffCurveP256() + "\n",
                "rsa512" => CertificateRulesTests.Rsa(512) + "\n",
                "ed25519-33" => "ssh-ed25519 " + System.Convert.ToBase64String(new SshWriter().WriteString("ssh-ed25519").WriteBytes(new byte[33]).ToArray()) + "\n",
                "two-keys" => SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "first").PublicKey + "\n" + SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "second").PublicKey + "\n",
                _ => SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "me").PublicKey + "\n",
            });
            string ca = TestHome.NewLocalCa("cli-rules");
            string[] extra = options.Length == 1 && options[0] == "@257"
                ? new[] { "--principal" }.Concat(Enumerable.Range(1, 257).Select(i => "p" + i)).ToArray()
                : options;
            Tool.Result r = Tool.Sshkms(new[] { "cert", "new", "--ca", ca, "--public-key", pub }.Concat(extra));
            Assert.NotEqual(0, r.ExitCode);
            Assert.Equal(string.Empty, r.Output);
            string[] lines = r.Error.TrimEnd('\n').Split('\n');
            Assert.True(lines.Length == 1, r.Error);
            Assert.EndsWith($"[{errorId}]", lines[0]);
            Assert.False(File.Exists(dir.File("subject-cert.pub")));
            Assert.Empty(TestHome.IssuedBy(ca));
        }

        [Theory]
        [InlineData("PublicKeyFileNotFound", null, "cert", "new", "--public-key", "/nonexistent/x.pub", "--principal", "a")]
        [InlineData("SshKeyTypeUnsupported", "not-a-key AAAA", "cert", "new", "--public-key", "-", "--principal", "a")]
        [InlineData("CliUsage", null, "cert", "new", "--public-key", "-", "--bogus")]
        [InlineData("CliUsage", null, "cert", "new", "--principal", "a")]
        [InlineData("CertificateOptionInvalid", "@KEY", "cert", "new", "--public-key", "-", "--principal", "a", "--option", "permit-everything")]
        [InlineData("CertificateValidityTooLong", "@KEY", "cert", "new", "--public-key", "-", "--principal", "a", "--validity", "2d")]
        [InlineData("CertificatePrincipalRequired", "@KEY", "cert", "new", "--public-key", "-")]
        [InlineData("CertificateSourceAddressInvalid", "@KEY", "cert", "new", "--public-key", "-", "--principal", "a", "--option", "source-address=10.0.0.0/99")]
        [InlineData("CliOptionInvalid", "@KEY", "cert", "new", "--public-key", "-", "--principal", "a", "--serial", "-1")]
        [InlineData("CertificateFileNotFound", null, "cert", "show", "/nonexistent/x-cert.pub")]
        [InlineData("SshCertificateInvalid", "garbage", "cert", "show", "-")]
        [InlineData("KeyUriInvalid", null, "ca", "public-key", "--ca", "local:bad name")]
        [InlineData("CertificateValidityInvalid", "@KEY", "cert", "new", "--public-key", "-", "--principal", "a", "--validity", "999999999w")]
        [InlineData("FileWriteFailed", "@KEY", "cert", "new", "--public-key", "-", "--principal", "a", "--out", "/nonexistent/dir/x-cert.pub")]
        public async Task BadInputIsOneLineWithAnErrorId(string errorId, string? stdin, params string[] args)
        {
            if (stdin == "@KEY")
            {
                stdin = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519).PublicKey.ToString();
            }

            if (args[0] == "cert" && args[1] == "new")
            {
                // An existing CA: local:default, made on first use, would add its warning line.
                args = args.Concat(new[] { "--ca", Ca }).ToArray();
            }

            var r = await Sshkms(stdin, args);
            Assert.NotEqual(0, r.Code);
            Assert.Equal(string.Empty, r.Out);
            string[] lines = r.Err.TrimEnd('\n').Split('\n');
            Assert.Single(lines);
            Assert.EndsWith($"[{errorId}]", lines[0]);
            Assert.DoesNotContain("   at ", r.Err);
        }
    }
}
