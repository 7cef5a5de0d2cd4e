using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.OpenSsh;
using SshKms.Core.Revocation;
using SshKms.Core.Sessions;
using SshKms.Tests.Infrastructure;
using SshKms.Tests.Parity;
using Xunit;

namespace SshKms.Tests.Sessions
{
    /// <summary>
    /// Host keys on the Managed transport against real sshd instances, judged as the system ssh judges them: host
    /// certificates (ssh-keygen -s -h) through @cert-authority lines, @revoked, RevokedHostKeys (KRLs from
    /// ssh-keygen -k and key lists) and known_hosts ordering. Where ssh has the behaviour, the same case runs on both
    /// transports and must give the same ErrorId.
    /// </summary>
    [Collection("sessions")]
    public sealed class ManagedHostKeyTests : IDisposable
    {
        private const ulong HostSerial = 42;
        private readonly InMemoryCertificateMinter _minter = new InMemoryCertificateMinter();
        private readonly TempDir _tmp = new TempDir("sshkms-hostkey-test");
        private readonly string _ca;
        private readonly string _otherCa;

        public ManagedHostKeyTests()
        {
            _ca = NewKey("host_ca", "ed25519");
            _otherCa = NewKey("other_ca", "ed25519");
        }

        public static IEnumerable<object[]> BothTransports => new[] { new object[] { SshTransportKind.OpenSsh }, new object[] { SshTransportKind.Managed } };

        public void Dispose()
        {
            _minter.Dispose();
            _tmp.Dispose();
        }

        [Theory]
        [MemberData(nameof(BothTransports))]
        public async Task AHostCertificateFromATrustedCaConnectsWithOnlyACertAuthorityLine(SshTransportKind transport)
        {
            using SshdServer server = CertifiedServer();
            SshSessionResult r = await Run(server, transport, $"@cert-authority [127.0.0.1]:{server.Port} {Pub(_ca)}");
            Assert.True(r.Succeeded, r.ErrorId + " " + r.ErrorMessage + r.Error);
            Assert.Equal("in\n", r.Output);
        }

        [Theory]
        [MemberData(nameof(BothTransports))]
        public async Task AHashedCertAuthorityPatternIsRecognised(SshTransportKind transport)
        {
            using SshdServer server = CertifiedServer();
            SshSessionResult r = await Run(server, transport, $"@cert-authority {Hashed($"[127.0.0.1]:{server.Port}")} {Pub(_ca)}");
            Assert.True(r.Succeeded, r.ErrorId + " " + r.ErrorMessage + r.Error);
        }

        [Theory]
        [MemberData(nameof(BothTransports))]
        public async Task AWildcardCertAuthorityPatternWithANegationIsHonoured(SshTransportKind transport)
        {
            using SshdServer server = CertifiedServer();
            SshSessionResult ok = await Run(server, transport, $"@cert-authority [127.0.0.*]:*,!other {Pub(_ca)}");
            Assert.True(ok.Succeeded, ok.ErrorId + " " + ok.ErrorMessage + ok.Error);

            SshSessionResult negated = await Run(server, transport, $"@cert-authority [127.0.0.*]:*,![127.0.0.1]:{server.Port} {Pub(_ca)}");
            Assert.Equal("HostKeyUnknown", negated.ErrorId);
        }

        /// <summary>Each certificate ssh will not accept for the host: it then looks the plain key up, which is unknown.</summary>
        [Theory]
        [InlineData(SshTransportKind.OpenSsh, "untrusted CA")]
        [InlineData(SshTransportKind.Managed, "untrusted CA")]
        [InlineData(SshTransportKind.OpenSsh, "wrong principal")]
        [InlineData(SshTransportKind.Managed, "wrong principal")]
        [InlineData(SshTransportKind.OpenSsh, "expired")]
        [InlineData(SshTransportKind.Managed, "expired")]
        [InlineData(SshTransportKind.OpenSsh, "not yet valid")]
        [InlineData(SshTransportKind.Managed, "not yet valid")]
        [InlineData(SshTransportKind.OpenSsh, "user certificate")]
        [InlineData(SshTransportKind.Managed, "user certificate")]
        public async Task ACertificateSshWouldNotAcceptIsHostKeyUnknown(SshTransportKind transport, string flaw)
        {
            using SshdServer server = flaw switch
            {
                "untrusted CA" => CertifiedServer(ca: _otherCa),
                "wrong principal" => CertifiedServer(principals: "other.example,127.0.0.2"),
                "expired" => CertifiedServer(validity: "20200101:20200102"),
                "not yet valid" => CertifiedServer(validity: "+3650d:+3651d"),
                _ => CertifiedServer(certificate: "user"),
            };
            SshSessionResult r = await Run(server, transport, $"@cert-authority [127.0.0.1]:{server.Port} {Pub(_ca)}");
            Assert.Equal("HostKeyUnknown", r.ErrorId);
            Assert.Equal(255, r.ExitCode);
            Assert.DoesNotContain("Accepted publickey", server.Log);
        }

        [Theory]
        [InlineData(SshTransportKind.OpenSsh, "wrong principal")]
        [InlineData(SshTransportKind.Managed, "wrong principal")]
        [InlineData(SshTransportKind.OpenSsh, "expired")]
        [InlineData(SshTransportKind.Managed, "expired")]
        [InlineData(SshTransportKind.OpenSsh, "untrusted CA")]
        [InlineData(SshTransportKind.Managed, "untrusted CA")]
        public async Task ACertificateThatFailsFallsBackToItsPlainKeyWhenThatIsKnown(SshTransportKind transport, string flaw)
        {
            using SshdServer server = flaw == "wrong principal" ? CertifiedServer(principals: "other.example")
                : flaw == "expired" ? CertifiedServer(validity: "20200101:20200102")
                : CertifiedServer(ca: _otherCa);
            string knownHosts = $"@cert-authority [127.0.0.1]:{server.Port} {Pub(_ca)}\n[127.0.0.1]:{server.Port} {Pub(HostKey)}";
            SshSessionResult r = await Run(server, transport, knownHosts);
            Assert.True(r.Succeeded, r.ErrorId + " " + r.ErrorMessage + r.Error);
        }

        [Theory]
        [MemberData(nameof(BothTransports))]
        public async Task ARevokedPlainKeyRefusesItsCertificateToo(SshTransportKind transport)
        {
            using SshdServer server = CertifiedServer();
            SshSessionResult r = await Run(server, transport, $"@cert-authority [127.0.0.1]:{server.Port} {Pub(_ca)}\n@revoked * {Pub(HostKey)}");
            Assert.Equal("HostKeyMismatch", r.ErrorId);
            Assert.Contains("revoked", r.ErrorMessage);
        }

        [Theory]
        [MemberData(nameof(BothTransports))]
        public async Task ARevokedCaKeyRefusesTheCertificatesItSigned(SshTransportKind transport)
        {
            using SshdServer server = CertifiedServer();
            SshSessionResult r = await Run(server, transport, $"@cert-authority [127.0.0.1]:{server.Port} {Pub(_ca)}\n@revoked * {Pub(_ca)}");
            Assert.Equal("HostKeyMismatch", r.ErrorId);
        }

        [Theory]
        [MemberData(nameof(BothTransports))]
        public async Task ARevokedPlainHostKeyIsRefusedThoughKnown(SshTransportKind transport)
        {
            using SshdServer server = CertifiedServer(certificate: "none");
            SshSessionResult r = await Run(server, transport, $"[127.0.0.1]:{server.Port} {Pub(HostKey)}\n@revoked [127.0.0.1]:{server.Port} {Pub(HostKey)}");
            Assert.Equal("HostKeyMismatch", r.ErrorId);
        }

        [Theory]
        [InlineData(SshTransportKind.OpenSsh, "key")]
        [InlineData(SshTransportKind.Managed, "key")]
        [InlineData(SshTransportKind.OpenSsh, "serial")]
        [InlineData(SshTransportKind.Managed, "serial")]
        [InlineData(SshTransportKind.OpenSsh, "key id")]
        [InlineData(SshTransportKind.Managed, "key id")]
        [InlineData(SshTransportKind.OpenSsh, "key list")]
        [InlineData(SshTransportKind.Managed, "key list")]
        [InlineData(SshTransportKind.OpenSsh, "our KRL")]
        [InlineData(SshTransportKind.Managed, "our KRL")]
        public async Task ARevokedHostKeysFileRefusesTheHost(SshTransportKind transport, string revokedBy)
        {
            using SshdServer server = CertifiedServer();
            string revoked = _tmp.File("revoked-" + revokedBy.Replace(' ', '-'));
            switch (revokedBy)
            {
                case "key":
                    Tool.Check("ssh-keygen", "-q", "-k", "-f", revoked, HostKey + ".pub");
                    break;
                case "serial":
                case "key id":
                    string spec = _tmp.File("krl-spec");
                    File.WriteAllText(spec, revokedBy == "serial" ? $"serial: {HostSerial}\n" : "id: host-cert\n");
                    Tool.Check("ssh-keygen", "-q", "-k", "-f", revoked, "-s", _ca + ".pub", spec);
                    break;
                case "our KRL":
                    var krl = new Krl();
                    krl.SectionFor(SshPublicKey.Parse(Pub(_ca)).GetBlob()).Serials.Add(HostSerial, HostSerial);
                    File.WriteAllBytes(revoked, KrlFormat.Write(krl));
                    break;
                default:
                    File.WriteAllText(revoked, "# revoked host keys\n\n" + Pub(HostKey) + "\n");
                    break;
            }

            string knownHosts = $"@cert-authority [127.0.0.1]:{server.Port} {Pub(_ca)}";
            SshSessionResult r = await Run(server, transport, knownHosts, ("RevokedHostKeys", revoked));
            Assert.Equal("HostKeyMismatch", r.ErrorId);
            Assert.DoesNotContain("Accepted publickey", server.Log);

            // Another serial in the same CA's section revokes nothing.
            if (revokedBy == "serial")
            {
                File.WriteAllText(_tmp.File("krl-spec"), $"serial: {HostSerial + 1}\n");
                Tool.Check("ssh-keygen", "-q", "-k", "-f", revoked, "-s", _ca + ".pub", _tmp.File("krl-spec"));
                SshSessionResult ok = await Run(server, transport, knownHosts, ("RevokedHostKeys", revoked));
                Assert.True(ok.Succeeded, ok.ErrorId + " " + ok.ErrorMessage + ok.Error);
            }
        }

        [Theory]
        [InlineData(SshTransportKind.OpenSsh, "missing")]
        [InlineData(SshTransportKind.Managed, "missing")]
        [InlineData(SshTransportKind.OpenSsh, "garbage")]
        [InlineData(SshTransportKind.Managed, "garbage")]
        public async Task ARevokedHostKeysFileThatCannotBeReadRefusesTheHost(SshTransportKind transport, string problem)
        {
            using SshdServer server = CertifiedServer();
            string revoked = _tmp.File("revoked-" + problem);
            if (problem == "garbage")
            {
                File.WriteAllText(revoked, "this is no key\n");
            }

            SshSessionResult r = await Run(server, transport, $"@cert-authority [127.0.0.1]:{server.Port} {Pub(_ca)}", ("RevokedHostKeys", revoked));
            Assert.Equal("RevokedHostKeysUnreadable", r.ErrorId);
            Assert.Equal(SshKms.Core.SshKmsErrorCategory.ReadError, r.ToException()!.Category);

            // An empty file revokes nothing, for ssh too.
            File.WriteAllText(revoked, string.Empty);
            SshSessionResult ok = await Run(server, transport, $"@cert-authority [127.0.0.1]:{server.Port} {Pub(_ca)}", ("RevokedHostKeys", revoked));
            Assert.True(ok.Succeeded, ok.ErrorId + " " + ok.ErrorMessage + ok.Error);
        }

        /// <summary>sshd offers ed25519 first; ssh asks for the ecdsa key it knows, so the host is not refused as changed.</summary>
        [Theory]
        [MemberData(nameof(BothTransports))]
        public async Task AHostKnownByItsEcdsaKeyOnlyConnectsThoughItAlsoOffersEd25519(SshTransportKind transport)
        {
            using SshdServer server = CertifiedServer(certificate: "none");
            SshSessionResult r = await Run(server, transport, $"[127.0.0.1]:{server.Port} {Pub(HostKey)}");
            Assert.True(r.Succeeded, r.ErrorId + " " + r.ErrorMessage + r.Error);
        }

        [Theory]
        [MemberData(nameof(BothTransports))]
        public async Task AKeyKnownUnderTheBareHostNameIsGoodOnAnyPort(SshTransportKind transport)
        {
            using SshdServer server = CertifiedServer(certificate: "none");
            SshSessionResult r = await Run(server, transport, $"127.0.0.1 {server.HostPublicKey}");
            Assert.True(r.Succeeded, r.ErrorId + " " + r.ErrorMessage + r.Error);

            // Without the port only a match counts: another key there is no mismatch, the host is just not known.
            SshSessionResult other = await Run(server, transport, $"127.0.0.1 {Pub(_otherCa)}");
            Assert.Equal("HostKeyUnknown", other.ErrorId);
        }

        [Theory]
        [MemberData(nameof(BothTransports))]
        public async Task SeveralUserFilesAndAGlobalFileAreAllRead(SshTransportKind transport)
        {
            using SshdServer server = CertifiedServer();
            string first = _tmp.File("kh-first");
            string second = _tmp.File("kh-second");
            string global = _tmp.File("kh-global");
            File.WriteAllText(first, string.Empty);
            File.WriteAllText(second, $"[127.0.0.1]:{server.Port} {Pub(HostKey)}\n");
            File.WriteAllText(global, $"@cert-authority * {Pub(_ca)}\n");

            SshSessionResult viaSecond = await Run(server, transport, null, ("UserKnownHostsFile", $"{first} {second}"), ("GlobalKnownHostsFile", "/dev/null"));
            Assert.True(viaSecond.Succeeded, viaSecond.ErrorId + " " + viaSecond.ErrorMessage + viaSecond.Error);

            SshSessionResult viaGlobal = await Run(server, transport, null, ("UserKnownHostsFile", first), ("GlobalKnownHostsFile", global));
            Assert.True(viaGlobal.Succeeded, viaGlobal.ErrorId + " " + viaGlobal.ErrorMessage + viaGlobal.Error);
            Assert.Equal(string.Empty, File.ReadAllText(first));
        }

        [Fact]
        public async Task AcceptNewWritesTheFirstUserFileOnlyAndAsksTheOptionToo()
        {
            using SshdServer server = CertifiedServer(certificate: "none");
            string first = _tmp.File("kh-accept-first");
            string second = _tmp.File("kh-accept-second");
            string global = _tmp.File("kh-accept-global");
            File.WriteAllText(global, "# global\n");
            var files = new[] { ("UserKnownHostsFile", $"{first} {second}"), ("GlobalKnownHostsFile", global) };

            SshSessionResult refused = await Run(server, SshTransportKind.Managed, null, files);
            Assert.Equal("HostKeyUnknown", refused.ErrorId);
            Assert.False(File.Exists(first));

            SshSessionResult accepted = await Run(server, SshTransportKind.Managed, null, files.Append(("StrictHostKeyChecking", "accept-new")).ToArray());
            Assert.True(accepted.Succeeded, accepted.ErrorId + " " + accepted.ErrorMessage);
            string recorded = File.ReadAllText(first);
            Assert.StartsWith($"[127.0.0.1]:{server.Port} ", recorded);
            Assert.False(File.Exists(second));
            Assert.Equal("# global\n", File.ReadAllText(global));

            // What was recorded is what ssh then trusts, and the host's key is now known: no second line.
            SshSessionResult viaOpenSsh = await Run(server, SshTransportKind.OpenSsh, null, files);
            Assert.True(viaOpenSsh.Succeeded, viaOpenSsh.ErrorMessage + viaOpenSsh.Error);
            SshSessionResult again = await Run(server, SshTransportKind.Managed, null, files.Append(("StrictHostKeyChecking", "no")).ToArray());
            Assert.True(again.Succeeded, again.ErrorMessage);
            Assert.Equal(recorded, File.ReadAllText(first));
        }

        /// <summary>As ssh: a certificate no trusted CA signed is recorded as its plain key, never as a certificate.</summary>
        [Theory]
        [MemberData(nameof(BothTransports))]
        public async Task AcceptNewRecordsTheCertifiedKeyOfAnUntrustedCertificateAsAPlainKey(SshTransportKind transport)
        {
            using SshdServer server = CertifiedServer(ca: _otherCa);
            string file = _tmp.File("kh-accept-cert");
            string caLine = $"@cert-authority [127.0.0.1]:{server.Port} {Pub(_ca)}\n";
            File.WriteAllText(file, caLine);
            var options = new SshSessionOptions { UserName = SshdServer.CurrentUser, Port = server.Port, Command = "true", ConfigFile = "/dev/null", Transport = transport, AcceptNewHostKey = true };
            options.SshOptions.Add(new KeyValuePair<string, string>("UserKnownHostsFile", file));
            options.SshOptions.Add(new KeyValuePair<string, string>("GlobalKnownHostsFile", "/dev/null"));
            SshSessionResult r = (await SshSession.WithCertificates(_minter.IssueAsync, options).RunAsync(new[] { "127.0.0.1" }, null, CancellationToken.None)).Single();
            Assert.True(r.Succeeded, r.ErrorId + " " + r.ErrorMessage + r.Error);
            Assert.Equal(caLine + $"[127.0.0.1]:{server.Port} {Pub(HostKey)}\n", File.ReadAllText(file));
        }

        [Fact]
        public async Task StrictHostKeyCheckingNoStillRefusesAChangedKey()
        {
            using SshdServer server = CertifiedServer(certificate: "none");
            using var impostor = SshPrivateKey.Generate(SshKeyAlgorithm.EcdsaP256);
            SshSessionResult r = await Run(server, SshTransportKind.Managed, $"[127.0.0.1]:{server.Port} {impostor.PublicKey}", ("StrictHostKeyChecking", "no"));
            Assert.Equal("HostKeyMismatch", r.ErrorId);
        }

        [Fact]
        public void TheCmdletAndTheCliOnManagedRefuseAHostTheirRevokedHostKeysFileRevokes()
        {
            string ca = TestHome.NewLocalCa("hostkey-ca");
            using SshdServer server = CertifiedServer(certificate: "none", userCa: TestHome.CaPublicKeyLine(ca));
            string revoked = _tmp.File("revoked-keys");
            File.WriteAllText(revoked, server.HostPublicKey + "\n");
            string script = "Invoke-SshKmsSession 127.0.0.1 'true' -Transport Managed -CaKey $ca -UserName $u -Port $p -RevokedHostKeys $r "
                + "-SshOption @{ UserKnownHostsFile = $kh; GlobalKnownHostsFile = '/dev/null' }";
            string[] cli = { "ssh", "--transport", "managed", "--ca", ca, "--user", SshdServer.CurrentUser, "--port", server.Port.ToString(),
                "--revoked-host-keys", revoked, "--ssh-option", "UserKnownHostsFile=" + server.KnownHostsPath, "--ssh-option", "GlobalKnownHostsFile=/dev/null",
                "127.0.0.1", "--", "true" };
            FrontEndParity.AssertSameErrorId("HostKeyMismatch", script, cli, null, null,
                ("ca", ca), ("u", SshdServer.CurrentUser), ("p", server.Port), ("r", revoked), ("kh", server.KnownHostsPath));

            // The same command without the file logs in: the refusal was the revocation's.
            File.WriteAllText(revoked, string.Empty);
            Tool.Result ok = Tool.Sshkms(cli);
            Assert.True(ok.ExitCode == 0, ok.Error);
        }

        private string HostKey => _tmp.File("host_ecdsa");

        /// <summary>
        /// An sshd with its own ed25519 key and an ecdsa key of this test's, certified by <paramref name="ca"/> (default:
        /// the trusted host CA) for 127.0.0.1 with serial 42 and key id host-cert. certificate: host, user (the wrong type) or none.
        /// </summary>
        private SshdServer CertifiedServer(string? ca = null, string principals = "127.0.0.1", string validity = "-5m:+1h", string certificate = "host",
            string? userCa = null)
        {
            string[] userCas = { userCa ?? _minter.CaPublicKeyLine };
            if (!File.Exists(HostKey))
            {
                Tool.Check("ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-N", "", "-f", HostKey);
            }

            var config = new List<string> { $"HostKey {HostKey}" };
            if (certificate == "none")
            {
                return new SshdServer(trustedUserCaKeys: userCas, extraConfig: config);
            }

            var sign = new List<string> { "-q", "-s", ca ?? _ca, "-I", "host-cert", "-n", principals, "-V", validity, "-z", HostSerial.ToString() };
            if (certificate == "host")
            {
                sign.Add("-h");
            }

            sign.Add(HostKey + ".pub");
            Tool.Check("ssh-keygen", sign.ToArray());
            config.Add($"HostCertificate {HostKey}-cert.pub");
            return new SshdServer(trustedUserCaKeys: userCas, extraConfig: config);
        }

        private string NewKey(string name, string type)
        {
            string path = _tmp.File(name);
            Tool.Check("ssh-keygen", "-q", "-t", type, "-N", "", "-f", path);
            return path;
        }

        private static string Pub(string keyPath) => string.Join(' ', File.ReadAllText(keyPath + ".pub").Trim().Split(' ').Take(2));

        private static string Hashed(string name)
        {
            byte[] salt = RandomNumberGenerator.GetBytes(20);
            using var hmac = new HMACSHA1(salt);
            return $"|1|{Convert.ToBase64String(salt)}|{Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(name)))}";
        }

        /// <summary>
        /// One command on <paramref name="server"/>. <paramref name="knownHosts"/> (lines) becomes the only user file and the
        /// global file is /dev/null, unless <paramref name="options"/> name their own files; options go first, as ssh's first -o wins.
        /// </summary>
        private async Task<SshSessionResult> Run(SshdServer server, SshTransportKind transport, string? knownHosts, params (string Key, string Value)[] options)
        {
            var o = new SshSessionOptions { UserName = SshdServer.CurrentUser, Port = server.Port, Command = "echo in", ConfigFile = "/dev/null", Transport = transport };
            foreach ((string key, string value) in options)
            {
                o.SshOptions.Add(new KeyValuePair<string, string>(key, value));
            }

            if (knownHosts != null)
            {
                string file = _tmp.File("known_hosts-" + Guid.NewGuid().ToString("N"));
                File.WriteAllText(file, knownHosts + "\n");
                o.SshOptions.Add(new KeyValuePair<string, string>("UserKnownHostsFile", file));
                o.SshOptions.Add(new KeyValuePair<string, string>("GlobalKnownHostsFile", "/dev/null"));
            }

            o.SshOptions.Add(new KeyValuePair<string, string>("ConnectTimeout", "10"));
            return (await SshSession.WithCertificates(_minter.IssueAsync, o).RunAsync(new[] { "127.0.0.1" }, null, CancellationToken.None)).Single();
        }
    }
}
