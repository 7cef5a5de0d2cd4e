using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Audit;
using SshKms.Core.Authority;
using SshKms.Core.OpenSsh;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Authority
{
    /// <summary>
    /// Issue 12, cases 1-4: every certificate the CA signs is one OpenSSH parses and accepts; the rest is refused before
    /// the signing call, with an ErrorId and no journal line. Each rule is checked twice: our CA refuses the request, and
    /// the same certificate signed without the policy ("unchecked") is refused by ssh-keygen, sshd or ssh, which shows
    /// the rule is OpenSSH's and not ours alone.
    /// </summary>
    public sealed class CertificateRulesTests : IDisposable
    {
        private readonly TempDir _dir = new TempDir();
        private readonly InMemorySigningKey _caKey = new InMemorySigningKey(SshKeyAlgorithm.EcdsaP256, "rules-ca");
        private readonly AuditJournal _journal;

        public CertificateRulesTests()
        {
            _journal = new AuditJournal(_dir.File("audit.jsonl"));
        }

        private CertificateAuthority Ca(CertificatePolicy? policy = null) => new CertificateAuthority(_caKey, "op@tests", policy ?? new CertificatePolicy(), _journal);

        private static CertificateRequest User(SshPublicKey key, params string[] principals)
        {
            var r = new CertificateRequest(key);
            foreach (string p in principals)
            {
                r.Principals.Add(p);
            }

            return r;
        }

        private static SshPublicKey Ed25519() => SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "subject").PublicKey;

        /// <summary>Asserts the CA refuses <paramref name="request"/> with nothing signed and nothing journalled; returns the ErrorId.</summary>
        private async Task<string> Refused(CertificateRequest request, CertificatePolicy? policy = null)
        {
            int signed = _caKey.SignCount;
            long journalled = JournalLength();
            var ex = await Assert.ThrowsAnyAsync<SshKmsException>(() => Ca(policy).IssueAsync(request, CancellationToken.None));
            Assert.Equal(signed, _caKey.SignCount);
            Assert.True(journalled == JournalLength(), "a refused certificate left a journal line");
            Assert.False(string.IsNullOrEmpty(ex.ErrorId));
            Assert.DoesNotContain("\n", ex.Message);
            return ex.ErrorId;
        }

        private long JournalLength() => File.Exists(_journal.Path) ? new FileInfo(_journal.Path).Length : 0;

        private async Task<string> IssuedFile(CertificateRequest request, CertificatePolicy? policy = null)
        {
            SshCertificate cert = await Ca(policy).IssueAsync(request, CancellationToken.None);
            string path = _dir.File("c-" + cert.Serial + "-cert.pub");
            File.WriteAllText(path, cert + "\n");
            return path;
        }

        /// <summary>A certificate line signed by this CA with no policy in the way, as a CA without these rules would make it.</summary>
        private string Unchecked(SshPublicKey subject, Action<SshCertificateBuilder> shape)
        {
            long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var b = new SshCertificateBuilder(subject, _caKey.PublicKey) { Serial = 7, KeyId = "unchecked", ValidAfter = (ulong)(now - 300), ValidBefore = (ulong)(now + 3600) };
            b.Principals.Add(SshdServer.CurrentUser);
            shape(b);
            byte[] body = b.GetBytesToSign();
            byte[] signature = _caKey.SignAsync(body, null, CancellationToken.None).GetAwaiter().GetResult().SignatureBlob;
            byte[] blob = new SshWriter().WriteRaw(body).WriteBytes(signature).ToArray();
            string path = _dir.File("unchecked-" + Guid.NewGuid().ToString("N").Substring(0, 8) + "-cert.pub");
            File.WriteAllText(path, SshKeyTypes.CertificateTypeFor(subject.KeyType) + " " + Convert.ToBase64String(blob) + "\n");
            return path;
        }

        private static Tool.Result Listing(string certPath) => Tool.Run("ssh-keygen", new[] { "-L", "-f", certPath });

        /// <summary>An RSA public key of any size, even ones ssh-keygen would not make.</summary>
        internal static SshPublicKey Rsa(int bits)
        {
            using RSA rsa = RSA.Create(bits);
            RSAParameters p = rsa.ExportParameters(false);
            return SshPublicKey.FromBlob(new SshWriter().WriteString(SshKeyTypes.Rsa).WriteMpint(p.Exponent!).WriteMpint(p.Modulus!).ToArray(), $"rsa{bits}");
        }

        /// <summary>A P-256 key whose point is moved off the curve (the last byte of Y changed).</summary>
        internal static SshPublicKey OffCurveP256()
        {
            byte[] blob = SshPrivateKey.Generate(SshKeyAlgorithm.EcdsaP256).PublicKey.GetBlob();
            blob[blob.Length - 1] ^= 0x01;
            return SshPublicKey.FromBlob(blob, "off-curve");
        }

        // Case 1 ------------------------------------------------------------------------------------------------

        [Fact]
        public async Task Case1_AHostCertificateWithoutPrincipalsIsRefusedUnlessAnyPrincipalIsAsked()
        {
            var host = new CertificateRequest(Ed25519()) { Type = SshCertificateType.Host };
            Assert.Equal("CertificatePrincipalRequired", await Refused(host));
            host.AnyPrincipal = true;
            Assert.Contains("host certificate", Listing(await IssuedFile(host)).Output);
        }

        /// <summary>
        /// A real ssh client with `@cert-authority * CA` in known_hosts: the host certificate the CA issues is accepted
        /// under its principal and refused under any other name; one with a critical option is refused outright.
        /// </summary>
        [Fact]
        public async Task Case1And4_SshAcceptsTheHostCertificateOnlyForItsPrincipalAndRefusesOneWithCriticalOptions()
        {
            using var goodHost = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "host");
            using var badHost = SshPrivateKey.Generate(SshKeyAlgorithm.EcdsaP256, "host");
            string goodKey = WritePrivate("host_ed25519", goodHost);
            string badKey = WritePrivate("host_ecdsa", badHost);
            var request = new CertificateRequest(goodHost.PublicKey) { Type = SshCertificateType.Host };
            request.Principals.Add("node1.example");
            File.WriteAllText(goodKey + "-cert.pub", await Ca().IssueAsync(request, CancellationToken.None) + "\n");
            Assert.Equal("CertificateHostCriticalOption", await Refused(new CertificateRequest(badHost.PublicKey)
            {
                Type = SshCertificateType.Host, Principals = { "node1.example" }, ForceCommand = "true",
            }));
            File.Copy(Unchecked(badHost.PublicKey, b =>
            {
                b.Type = SshCertificateType.Host;
                b.Principals.Clear();
                b.Principals.Add("node1.example");
                b.CriticalOptions.Add(new KeyValuePair<string, string>("force-command", "true"));
            }), badKey + "-cert.pub");

            using var sshd = new SshdServer(
                trustedUserCaKeys: new[] { _caKey.PublicKey.ToString() },
                extraConfig: new[] { $"HostKey {goodKey}", $"HostCertificate {goodKey}-cert.pub", $"HostKey {badKey}", $"HostCertificate {badKey}-cert.pub" });
            string knownHosts = _dir.File("known_hosts_ca");
            File.WriteAllText(knownHosts, "@cert-authority * " + _caKey.PublicKey + "\n");
            (string userKey, _) = await UserLoginKey();

            Tool.Result Connect(string alias, string algorithm) => Tool.Run("ssh", new[]
            {
                "-o", "UserKnownHostsFile=" + knownHosts, "-o", "HostKeyAlias=" + alias, "-o", "HostKeyAlgorithms=" + algorithm,
                "-i", userKey, "-o", "IdentitiesOnly=yes",
            }.Concat(sshd.ClientOptions()).Concat(new[] { SshdServer.CurrentUser + "@127.0.0.1", "echo", "host-ok" }));

            Tool.Result named = Connect("node1.example", "ssh-ed25519-cert-v01@openssh.com");
            Assert.True(named.ExitCode == 0, named.Error + sshd.Log);
            Assert.Equal("host-ok", named.Output.Trim());
            Tool.Result otherName = Connect("node2.example", "ssh-ed25519-cert-v01@openssh.com");
            Assert.NotEqual(0, otherName.ExitCode);
            Assert.Contains("Host key verification failed", otherName.Error);
            Tool.Result critical = Connect("node1.example", "ecdsa-sha2-nistp256-cert-v01@openssh.com");
            Assert.NotEqual(0, critical.ExitCode);
            Assert.Contains("critical option", critical.Error);
        }

        private string WritePrivate(string name, SshPrivateKey key)
        {
            string path = _dir.File(name);
            File.WriteAllText(path, key.ToOpenSshFormat());
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllText(path + ".pub", key.PublicKey + "\n");
            return path;
        }

        /// <summary>A user key certified by this CA for the current user: the login that the host tests ride on.</summary>
        private async Task<(string Path, SshCertificate Cert)> UserLoginKey()
        {
            using var user = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "user");
            string path = WritePrivate("id_user_" + Guid.NewGuid().ToString("N").Substring(0, 6), user);
            SshCertificate cert = await Ca().IssueAsync(User(user.PublicKey, SshdServer.CurrentUser), CancellationToken.None);
            File.WriteAllText(path + "-cert.pub", cert + "\n");
            return (path, cert);
        }

        // Case 2 ------------------------------------------------------------------------------------------------

        [Fact]
        public async Task Case2_BackdatingIsCappedAndCountedInTheMaximumValidity()
        {
            var tenYears = User(Ed25519(), "alice");
            tenYears.Validity = TimeSpan.FromHours(1);
            tenYears.Backdate = TimeSpan.FromDays(3650);
            Assert.Equal("CertificateBackdateTooLong", await Refused(tenYears));

            // A policy that allows long back-dating still bounds the whole window.
            Assert.Equal("CertificateValidityTooLong", await Refused(tenYears, new CertificatePolicy { MaxBackdate = TimeSpan.FromDays(3650) }));

            var justOver = User(Ed25519(), "alice");
            justOver.Validity = TimeSpan.FromHours(24);
            justOver.Backdate = TimeSpan.FromMinutes(5);
            Assert.Equal("CertificateValidityTooLong", await Refused(justOver));

            var fits = User(Ed25519(), "alice");
            fits.Validity = TimeSpan.FromHours(24) - TimeSpan.FromMinutes(5);
            fits.Backdate = TimeSpan.FromMinutes(5);
            SshCertificate cert = await Ca().IssueAsync(fits, CancellationToken.None);
            Assert.Equal(TimeSpan.FromHours(24), cert.ValidTo!.Value - cert.ValidFrom);

            Assert.Equal("CertificatePolicyInvalid", Assert.Throws<SshKmsException>(() => new CertificatePolicy { MaxBackdate = TimeSpan.FromMinutes(-1) }).ErrorId);
        }

        // Case 3 (the principal side) ---------------------------------------------------------------------------

        [Theory]
        [InlineData("root\n2026-11-30T23:59:59.000Z  certificate.issued  local:alice@vm")]
        [InlineData("root\r")]
        [InlineData("a\tb")]
        [InlineData("nul\0byte")]
        [InlineData("esc\u001b[2J")]
        [InlineData("del\u007f")]
        [InlineData("next-line\u0085")]
        [InlineData("a,b")]
        [InlineData("")]
        [InlineData("   ")]
        public async Task Case3_PrincipalsWithControlCharactersCommasOrNothingAreRefused(string principal)
        {
            Assert.Equal("CertificatePrincipalInvalid", await Refused(User(Ed25519(), "ok", principal)));
        }

        [Fact]
        public async Task Case3_AKeyIdWithALineBreakIsRefused()
        {
            var r = User(Ed25519(), "alice");
            r.KeyIdTemplate = "ticket-1\nAccepted publickey for root";
            Assert.Equal("CertificateKeyIdInvalid", await Refused(r));
        }

        // Case 4 ------------------------------------------------------------------------------------------------

        [Fact]
        public async Task Case4_AtMost256PrincipalsAsOpenSshReads()
        {
            string[] names = Enumerable.Range(1, 257).Select(i => "p" + i).ToArray();
            Assert.Equal("CertificateTooManyPrincipals", await Refused(User(Ed25519(), names)));
            Assert.NotEqual(0, Listing(Unchecked(Ed25519(), b => { foreach (string n in names) { b.Principals.Add(n); } })).ExitCode);

            Tool.Result max = Listing(await IssuedFile(User(Ed25519(), names.Take(256).ToArray())));
            Assert.True(max.ExitCode == 0, max.Error);
            Assert.Contains("p256", max.Output);
        }

        [Theory]
        [InlineData("127.0.0.1/8")]
        [InlineData("fe80::1%eth0")]
        [InlineData("0x7f.0.0.1")]
        [InlineData("0177.0.0.1")]
        [InlineData("127.1")]
        [InlineData("127.0.0.1/08")]
        [InlineData("127.0.0.0/8,")]
        [InlineData(",127.0.0.0/8")]
        [InlineData("10.0.0.0/8,,::1")]
        [InlineData("2001:db8::1/32")]
        [InlineData("::ffff:127.0.0.1/96")]
        [InlineData("::ffff:0177.0.0.1")]
        [InlineData("[::1]")]
        [InlineData("10.0.0.0/8/8")]
        [InlineData("10.0.0.0/")]
        [InlineData("10.0.0.0/+8")]
        [InlineData("1.2.3.4\n")]
        [InlineData("*")]
        [InlineData("0000:0000:0000:0000:0000:0000:0000:0000:0000:0001/128")]
        public async Task Case4_SourceAddressesOpenSshWouldNotReadAreRefused(string list)
        {
            var r = User(Ed25519(), "alice");
            r.SourceAddress = list;
            Assert.Equal("CertificateSourceAddressInvalid", await Refused(r));
        }

        [Theory]
        [InlineData("127.0.0.0/8", "127.0.0.0/8")]
        [InlineData("127.0.0.1", "127.0.0.1")]
        [InlineData("10.0.0.0/8, 127.0.0.1/32", "10.0.0.0/8,127.0.0.1/32")]
        [InlineData("::1,0.0.0.0/0", "::1,0.0.0.0/0")]
        [InlineData("2001:DB8::/32,::ffff:127.0.0.1", "2001:DB8::/32,::ffff:127.0.0.1")]
        [InlineData("::/0", "::/0")]
        public async Task Case4_SourceAddressesOpenSshReadsAreKept(string list, string written)
        {
            var r = User(Ed25519(), "alice");
            r.SourceAddress = list;
            Tool.Result listing = Listing(await IssuedFile(r));
            Assert.True(listing.ExitCode == 0, listing.Error);
            Assert.Contains("source-address " + written, listing.Output);
        }

        /// <summary>sshd refuses a user certificate whose source-address it cannot read, even from an allowed address.</summary>
        [Fact]
        public async Task Case4_SshdRefusesTheSourceAddressesTheCaRefusesAndAcceptsTheOnesItIssues()
        {
            using var sshd = new SshdServer(trustedUserCaKeys: new[] { _caKey.PublicKey.ToString() });
            foreach (string bad in new[] { "127.0.0.1/8", "fe80::1%eth0", "0x7f.0.0.1" })
            {
                using var subject = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "sa");
                string key = WritePrivate("id_sa_" + Guid.NewGuid().ToString("N").Substring(0, 6), subject);
                File.Copy(Unchecked(subject.PublicKey, b => b.CriticalOptions.Add(new KeyValuePair<string, string>("source-address", bad))), key + "-cert.pub");
                Tool.Result r = Login(sshd, key);
                Assert.True(r.ExitCode == 255 && r.Error.Contains("Permission denied"), $"{bad}: {r.ExitCode} {r.Error}");
            }

            using var good = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "sa");
            string goodKey = WritePrivate("id_sa_good", good);
            var request = User(good.PublicKey, SshdServer.CurrentUser);
            request.SourceAddress = "10.0.0.0/8,127.0.0.0/8";
            File.WriteAllText(goodKey + "-cert.pub", await Ca().IssueAsync(request, CancellationToken.None) + "\n");
            Tool.Result ok = Login(sshd, goodKey);
            Assert.True(ok.ExitCode == 0, ok.Error + sshd.Log);
            Assert.Contains("source-address contents invalid", sshd.Log);
        }

        internal static Tool.Result Login(SshdServer sshd, string key) => Tool.Run("ssh", new[] { "-i", key, "-o", "CertificateFile=" + key + "-cert.pub", "-o", "IdentitiesOnly=yes" }
            .Concat(sshd.ClientOptions()).Concat(new[] { SshdServer.CurrentUser + "@127.0.0.1", "echo", "certified" }));

        [Fact]
        public async Task Case4_AnEcdsaKeyWhosePointIsOffItsCurveIsRefused()
        {
            SshPublicKey offCurve = OffCurveP256();
            string pub = _dir.File("off_curve.pub");
            File.WriteAllText(pub, offCurve + "\n");
            Assert.NotEqual(0, Tool.Run("ssh-keygen", new[] { "-l", "-f", pub }).ExitCode);
            Assert.NotEqual(0, Listing(Unchecked(offCurve, _ => { })).ExitCode);
            Assert.Equal("CertificateSubjectKeyInvalid", await Refused(User(offCurve, "alice")));

            foreach (SshKeyAlgorithm algorithm in new[] { SshKeyAlgorithm.EcdsaP256, SshKeyAlgorithm.EcdsaP384, SshKeyAlgorithm.EcdsaP521 })
            {
                Assert.Null(SshKeyChecks.WhyOpenSshRefuses(SshPrivateKey.Generate(algorithm).PublicKey, 2048));
            }

            // A point with a coordinate at or past the field prime is refused, not reduced.
            byte[] blob = SshPrivateKey.Generate(SshKeyAlgorithm.EcdsaP256).PublicKey.GetBlob();
            for (int i = blob.Length - 64; i < blob.Length; i++)
            {
                blob[i] = 0xff;
            }

            Assert.NotNull(SshKeyChecks.WhyOpenSshRefuses(SshPublicKey.FromBlob(blob), 2048));
        }

        [Fact]
        public async Task Case4_RsaKeysBelowThePolicyMinimumAreRefusedAndThePolicyCannotGoBelowOpenSsh()
        {
            SshPublicKey rsa512 = Rsa(512);
            Assert.NotEqual(0, Listing(Unchecked(rsa512, _ => { })).ExitCode);
            Assert.Equal("CertificateSubjectKeyTooSmall", await Refused(User(rsa512, "alice")));
            Assert.Equal("CertificateSubjectKeyTooSmall", await Refused(User(rsa512, "alice"), new CertificatePolicy { MinimumRsaBits = 1024 }));

            SshPublicKey rsa1024 = Rsa(1024);
            Assert.Equal("CertificateSubjectKeyTooSmall", await Refused(User(rsa1024, "alice")));
            Tool.Result lowered = Listing(await IssuedFile(User(rsa1024, "alice"), new CertificatePolicy { MinimumRsaBits = 1024 }));
            Assert.True(lowered.ExitCode == 0, lowered.Error);

            Assert.Equal("CertificatePolicyInvalid", Assert.Throws<SshKmsException>(() => new CertificatePolicy { MinimumRsaBits = 1023 }).ErrorId);
            Tool.Result rsa2048 = Listing(await IssuedFile(User(SshPrivateKey.Generate(SshKeyAlgorithm.Rsa2048).PublicKey, "alice")));
            Assert.True(rsa2048.ExitCode == 0, rsa2048.Error);
        }

        [Fact]
        public async Task Case4_HostCertificatesTakeNoCriticalOptions()
        {
            foreach (Action<CertificateRequest> option in new Action<CertificateRequest>[]
            {
                r => r.ForceCommand = "uptime", r => r.SourceAddress = "10.0.0.0/8", r => r.VerifyRequired = true,
            })
            {
                var r = new CertificateRequest(Ed25519()) { Type = SshCertificateType.Host, Principals = { "node1.example" } };
                option(r);
                Assert.Equal("CertificateHostCriticalOption", await Refused(r));
            }
        }

        [Fact]
        public async Task ACommentWithALineBreakIsRefusedSoTheCertificateFileStaysOneLine()
        {
            var r = User(Ed25519(), "alice");
            r.Comment = "me\nssh-ed25519 AAAA other";
            Assert.Equal("CertificateCommentInvalid", await Refused(r));
            var nul = User(Ed25519(), "alice");
            nul.ForceCommand = "run\0this";
            Assert.Equal("CertificateOptionInvalid", await Refused(nul));
        }

        public void Dispose()
        {
            _caKey.Dispose();
            _dir.Dispose();
        }
    }
}
