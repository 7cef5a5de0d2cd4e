using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Renci.SshNet;
using SshKms.Core.OpenSsh;
using SshKms.Core.Sessions;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Sessions
{
    /// <summary>known_hosts reading, the host key algorithm order and the ssh options the Managed transport's host key check reads.</summary>
    public sealed class KnownHostsTests : IDisposable
    {
        private readonly TempDir _tmp = new TempDir("sshkms-knownhosts-test");
        private readonly SshPrivateKey _ed = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519);
        private readonly SshPrivateKey _ec = SshPrivateKey.Generate(SshKeyAlgorithm.EcdsaP256);

        public void Dispose()
        {
            _ed.Dispose();
            _ec.Dispose();
            _tmp.Dispose();
        }

        /// <summary>SSH.NET's own list, as ManagedConnection starts from it.</summary>
        private static IReadOnlyList<string> SshNetDefaults() =>
            new ConnectionInfo("h", "u", new NoneAuthenticationMethod("u")).HostKeyAlgorithms.Keys.Except(HostKeyAlgorithms.Refused).ToList();

        [Fact]
        public void AlgorithmsForKnownKeyTypesComeFirstAsSshOrdersThem()
        {
            IReadOnlyList<string> defaults = SshNetDefaults();
            Assert.Equal("ssh-ed25519-cert-v01@openssh.com", defaults[0]);
            Assert.DoesNotContain("ssh-rsa", defaults);
            Assert.Contains("rsa-sha2-512", defaults);

            var ecKnown = new[] { Entry(KnownHostsMarker.None, _ec) };
            IReadOnlyList<string> ec = HostKeyAlgorithms.Order(defaults, ecKnown);
            Assert.Equal(new[] { "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp256" }, ec.Take(2));
            Assert.Equal(defaults.OrderBy(a => a), ec.OrderBy(a => a));

            // A @cert-authority line puts every certificate algorithm first, in the client's order.
            IReadOnlyList<string> ca = HostKeyAlgorithms.Order(defaults, new[] { Entry(KnownHostsMarker.CertAuthority, _ec) });
            Assert.True(ca.TakeWhile(HostKeyAlgorithms.IsCertificate).Count() == defaults.Count(HostKeyAlgorithms.IsCertificate));

            // The first algorithm's key type known already: the list as it is.
            Assert.Same(defaults, HostKeyAlgorithms.Order(defaults, new[] { Entry(KnownHostsMarker.None, _ed), Entry(KnownHostsMarker.None, _ec) }));
            Assert.Equal("ssh-rsa", HostKeyAlgorithms.PlainTypeOf("rsa-sha2-256-cert-v01@openssh.com"));
        }

        [Fact]
        public void LinesAreReadAsSshReadsThem()
        {
            string file = _tmp.File("known_hosts");
            File.WriteAllLines(file, new[]
            {
                "# comment",
                $"@unknown-marker [h]:2222 {_ed.PublicKey}",
                $"[h]:2222 ecdsa-sha2-nistp256 {_ed.PublicKey.ToString().Split(' ')[1]}",
                $"other,![h]:2222,[h]:* {_ed.PublicKey}",
                $"  [H]:2222,x\t{_ec.PublicKey}  a comment",
                $"@revoked * {_ed.PublicKey}",
                $"@cert-authority [h]:2222 {_ed.PublicKey}",
                "[h]:2222 ssh-ed25519 not-base64!",
            });

            IReadOnlyList<KnownHostsEntry> entries = KnownHosts.Load(new[] { file, _tmp.File("missing") }, "[h]:2222");
            Assert.Equal(new[] { KnownHostsMarker.None, KnownHostsMarker.Revoked, KnownHostsMarker.CertAuthority }, entries.Select(e => e.Marker));
            Assert.Equal(_ec.PublicKey.GetBlob(), entries[0].Key);
            Assert.Equal(SshKeyTypes.EcdsaP256, entries[0].KeyType);
        }

        [Fact]
        public void TheFilesComeFromTheFirstOptionGivenWithSshsDefaults()
        {
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            HostKeyTrust defaults = HostKeyTrust.FromOptions(new SshSessionOptions());
            Assert.Equal(new[] { Path.Combine(home, ".ssh", "known_hosts"), Path.Combine(home, ".ssh", "known_hosts2") }, defaults.UserFiles);
            Assert.Equal(new[] { "/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2" }, defaults.GlobalFiles);
            Assert.Empty(defaults.RevokedFiles);
            Assert.False(defaults.AcceptNew);

            var options = new SshSessionOptions();
            options.SshOptions.Add(new KeyValuePair<string, string>("userknownhostsfile", "~/a /tmp/b"));
            options.SshOptions.Add(new KeyValuePair<string, string>("UserKnownHostsFile", "/ignored"));
            options.SshOptions.Add(new KeyValuePair<string, string>("GlobalKnownHostsFile", "none"));
            options.SshOptions.Add(new KeyValuePair<string, string>("RevokedHostKeys", "/r1 /r2"));
            options.SshOptions.Add(new KeyValuePair<string, string>("RevokedHostKeys", "/r3"));
            options.SshOptions.Add(new KeyValuePair<string, string>("StrictHostKeyChecking", "accept-new"));
            HostKeyTrust trust = HostKeyTrust.FromOptions(options);
            Assert.Equal(new[] { Path.Combine(home, "a"), "/tmp/b" }, trust.UserFiles);
            Assert.Empty(trust.GlobalFiles);
            Assert.Equal(new[] { "/r1", "/r2", "/r3" }, trust.RevokedFiles);
            Assert.True(trust.AcceptNew);

            foreach (string strict in new[] { "yes", "ask" })
            {
                var o = new SshSessionOptions();
                o.SshOptions.Add(new KeyValuePair<string, string>("StrictHostKeyChecking", strict));
                Assert.False(HostKeyTrust.FromOptions(o).AcceptNew);
            }
        }

        [Fact]
        public void WithUserKnownHostsFileNoneNothingIsKnownOrRecorded()
        {
            var options = new SshSessionOptions();
            options.SshOptions.Add(new KeyValuePair<string, string>("UserKnownHostsFile", "none"));
            options.SshOptions.Add(new KeyValuePair<string, string>("GlobalKnownHostsFile", "/dev/null"));
            HostKeyTrust trust = HostKeyTrust.FromOptions(options);
            Assert.Equal(HostKeyVerdict.Unknown, trust.Check("h", 22, _ed.PublicKey.GetBlob(), DateTimeOffset.UtcNow));
            trust.Remember("h", 22, _ed.PublicKey.GetBlob());
            Assert.Empty(trust.UserFiles);
        }

        /// <summary>What ssh's sshkey_cert_check_host refuses beyond what the sshd tests show: critical options, patterns, a forged signature.</summary>
        [Fact]
        public void AHostCertificateIsCheckedAsSshChecksIt()
        {
            using SshPrivateKey ca = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519);
            DateTimeOffset now = DateTimeOffset.UtcNow;
            SshCertificate Make(Action<SshCertificateBuilder> edit, SshPrivateKey? signer = null)
            {
                var b = new SshCertificateBuilder(_ec.PublicKey, ca.PublicKey)
                {
                    Type = SshCertificateType.Host,
                    ValidAfter = (ulong)now.AddMinutes(-1).ToUnixTimeSeconds(),
                    ValidBefore = (ulong)now.AddMinutes(5).ToUnixTimeSeconds(),
                };
                b.Principals.Add("web-*.example");
                edit(b);
                return b.Complete((signer ?? ca).Sign(b.GetBytesToSign()));
            }

            Assert.Null(HostCertificateCheck.WhyInvalid(Make(_ => { }), "WEB-1.example", now));
            Assert.Equal("name is not a listed principal", HostCertificateCheck.WhyInvalid(Make(_ => { }), "db-1.example", now));
            Assert.Equal("contains unsupported critical options",
                HostCertificateCheck.WhyInvalid(Make(b => b.CriticalOptions.Add(new KeyValuePair<string, string>("force-command", "true"))), "web-1.example", now));
            Assert.Equal("lacks principal list", HostCertificateCheck.WhyInvalid(Make(b => b.Principals.Clear()), "web-1.example", now));
            Assert.Equal("not a host certificate", HostCertificateCheck.WhyInvalid(Make(b => b.Type = SshCertificateType.User), "web-1.example", now));
            Assert.Equal("expired", HostCertificateCheck.WhyInvalid(Make(_ => { }), "web-1.example", now.AddMinutes(5)));
            Assert.Equal("bad CA signature", HostCertificateCheck.WhyInvalid(Make(_ => { }, signer: _ed), "web-1.example", now));
        }

        private static KnownHostsEntry Entry(KnownHostsMarker marker, SshPrivateKey key) => new KnownHostsEntry(marker, key.PublicKey.GetBlob(), key.PublicKey.KeyType);
    }
}
