using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using FsCheck;
using FsCheck.Fluent;
using SshKms.Core;
using SshKms.Core.Audit;
using SshKms.Core.Authority;
using SshKms.Core.OpenSsh;
using SshKms.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace SshKms.Tests.Authority
{
    /// <summary>
    /// Issue 12's one rule as a property: any request, good or bad, ends either in a refusal (an SshKmsException with an
    /// ErrorId, nothing signed, nothing journalled) or in a certificate that `ssh-keygen -L` reads back as issued. A
    /// sample of the accepted user certificates then logs in to a real sshd.
    /// </summary>
    public sealed class CertificatePropertyTests : IDisposable
    {
        private const int Cases = 150;
        private const int SshdSample = 5;

        private readonly TempDir _dir = new TempDir();
        private readonly InMemorySigningKey _caKey = new InMemorySigningKey(SshKeyAlgorithm.EcdsaP256, "property-ca");
        private readonly AuditJournal _journal;
        private readonly CertificateAuthority _ca;

        /// <summary>Subject keys: the ones we hold the private half of can log in; the others are for refusals.</summary>
        private static readonly SshPrivateKey[] Holdable =
        {
            SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "ed"),
            SshPrivateKey.Generate(SshKeyAlgorithm.EcdsaP256, "p256"),
            SshPrivateKey.Generate(SshKeyAlgorithm.EcdsaP384, "p384"),
            SshPrivateKey.Generate(SshKeyAlgorithm.EcdsaP521, "p521"),
            SshPrivateKey.Generate(SshKeyAlgorithm.Rsa2048, "rsa"),
        };

        private static readonly SshPublicKey[] Unholdable = { CertificateRulesTests.Rsa(1024), CertificateRulesTests.OffCurveP256() };

        // Each dimension is mostly good values and sometimes a bad one, so that both outcomes are common.
        private static readonly string[] GoodPrincipals = { SshdServer.CurrentUser, SshdServer.CurrentUser, "ec2-user", "web1.example", "ünïcode", "@", "*" };
        private static readonly string[] BadPrincipals = { "a,b", "", " ", "x\ny", "tab\there", "nul\0" };
        private static readonly string?[] GoodSourceAddresses = { null, null, null, "127.0.0.0/8", "127.0.0.1,::1", "10.0.0.0/8", "0.0.0.0/0,::/0", "2001:db8::/32" };
        private static readonly string?[] BadSourceAddresses = { "127.0.0.1/8", "fe80::1%lo", "0x7f.0.0.1", "127.1", "::1/129", "10.0.0.0/8," };
        private static readonly TimeSpan?[] GoodValidities = { null, TimeSpan.FromMinutes(1), TimeSpan.FromHours(1), TimeSpan.FromHours(23) };
        private static readonly TimeSpan?[] BadValidities = { TimeSpan.FromHours(25), TimeSpan.FromDays(30), TimeSpan.FromDays(400) };
        private static readonly TimeSpan[] GoodBackdates = { TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5) };
        private static readonly TimeSpan[] BadBackdates = { TimeSpan.FromMinutes(6), TimeSpan.FromDays(1), TimeSpan.FromDays(3650) };
        private static readonly string?[] GoodForceCommands = { null, null, null, "echo forced" };
        private static readonly string?[] BadForceCommands = { "run\0this", " " };
        private static readonly string?[] GoodKeyIds = { null, null, "{principal}-{serial}", "ticket 42 {caller}" };
        private static readonly string?[] BadKeyIds = { "two\nlines", "{unknown}" };
        private static readonly string[]?[] GoodExtensions = { null, null, new[] { "permit-pty" }, new string[0], new[] { "custom@example.com" } };
        private static readonly string[]?[] BadExtensions = { new[] { "bad name" }, new[] { "ctl\u0001" } };

        private readonly ITestOutputHelper _output;

        public CertificatePropertyTests(ITestOutputHelper output)
        {
            _output = output;
            _journal = new AuditJournal(_dir.File("audit.jsonl"));
            _ca = new CertificateAuthority(_caKey, "op@property", new CertificatePolicy(), _journal);
        }

        /// <summary>One generated request: which subject key (index into Holdable, then Unholdable) and how it is shaped.</summary>
        public sealed record Shape(
            int Key, bool Host, string[] Principals, bool AnyPrincipal, string? SourceAddress, TimeSpan? Validity, TimeSpan Backdate,
            string? ForceCommand, bool VerifyRequired, string? KeyId, string[]? Extensions, bool Many)
        {
            public override string ToString() =>
                $"key={Key} host={Host} principals=[{string.Join("|", Principals.Select(CertificatePolicyPrintable))}]{(Many ? "+257" : string.Empty)} any={AnyPrincipal} " +
                $"sa={SourceAddress} validity={Validity} backdate={Backdate} fc={ForceCommand?.Replace("\0", "\\0")} vr={VerifyRequired} keyid={KeyId?.Replace("\n", "\\n")} ext={(Extensions == null ? "default" : string.Join(",", Extensions))}";

            private static string CertificatePolicyPrintable(string s) => s.Replace("\n", "\\n").Replace("\t", "\\t").Replace("\0", "\\0");
        }

        private static Gen<T> Mostly<T>(T[] good, T[] bad) => Gen.Frequency((7, Gen.Elements(good)), (1, Gen.Elements(bad)));

        private static readonly Gen<Shape> Shapes =
            from key in Gen.Frequency((12, Gen.Choose(0, Holdable.Length - 1)), (1, Gen.Choose(Holdable.Length, Holdable.Length + Unholdable.Length - 1)))
            from host in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
            from count in Gen.Frequency((1, Gen.Constant(0)), (6, Gen.Choose(1, 3)))
            from principals in Gen.ArrayOf(Mostly(GoodPrincipals, BadPrincipals), count)
            from any in Gen.Frequency((5, Gen.Constant(false)), (1, Gen.Constant(true)))
            from sourceAddress in Mostly(GoodSourceAddresses, BadSourceAddresses)
            from validity in Mostly(GoodValidities, BadValidities)
            from backdate in Mostly(GoodBackdates, BadBackdates)
            from forceCommand in Mostly(GoodForceCommands, BadForceCommands)
            from verifyRequired in Gen.Frequency((6, Gen.Constant(false)), (1, Gen.Constant(true)))
            from keyId in Mostly(GoodKeyIds, BadKeyIds)
            from extensions in Mostly(GoodExtensions, BadExtensions)
            from many in Gen.Frequency((30, Gen.Constant(false)), (1, Gen.Constant(true)))
            select new Shape(key, host, principals, any, sourceAddress, validity, backdate, forceCommand, verifyRequired, keyId, extensions, many);

        private static SshPublicKey SubjectOf(Shape s) => s.Key < Holdable.Length ? Holdable[s.Key].PublicKey : Unholdable[s.Key - Holdable.Length];

        private static CertificateRequest RequestOf(Shape s)
        {
            var r = new CertificateRequest(SubjectOf(s))
            {
                Type = s.Host ? SshCertificateType.Host : SshCertificateType.User,
                AnyPrincipal = s.AnyPrincipal,
                SourceAddress = s.SourceAddress,
                Validity = s.Validity,
                Backdate = s.Backdate,
                ForceCommand = s.ForceCommand,
                VerifyRequired = s.VerifyRequired,
                KeyIdTemplate = s.KeyId,
                Extensions = s.Extensions,
            };
            foreach (string p in s.Principals.Concat(s.Many ? Enumerable.Range(0, 257).Select(i => "m" + i) : Enumerable.Empty<string>()))
            {
                r.Principals.Add(p);
            }

            return r;
        }

        [Fact]
        public void EveryRequestIsRefusedOrBecomesACertificateSshKeygenReadsAndSshdAccepts()
        {
            var accepted = new ConcurrentBag<(Shape Shape, SshCertificate Cert)>();
            int refusals = 0;
            Prop.ForAll(Shapes.ToArbitrary(), shape =>
            {
                int signed = _caKey.SignCount;
                long journalLength = File.Exists(_journal.Path) ? new FileInfo(_journal.Path).Length : 0;
                SshCertificate cert;
                try
                {
                    cert = _ca.IssueAsync(RequestOf(shape), CancellationToken.None).GetAwaiter().GetResult();
                }
                catch (SshKmsException ex)
                {
                    Assert.False(string.IsNullOrEmpty(ex.ErrorId), shape.ToString());
                    Assert.Equal(signed, _caKey.SignCount);
                    Assert.Equal(journalLength, File.Exists(_journal.Path) ? new FileInfo(_journal.Path).Length : 0);
                    Interlocked.Increment(ref refusals);
                    return;
                }

                string path = _dir.File("c" + cert.Serial + "-cert.pub");
                File.WriteAllText(path, cert + "\n");
                string[] lines = File.ReadAllLines(path);
                Assert.Single(lines);
                Tool.Result listing = Tool.Run("ssh-keygen", new[] { "-L", "-f", path });
                Assert.True(listing.ExitCode == 0, $"{shape}: ssh-keygen -L failed: {listing.Error}");
                Assert.Contains("Serial: " + cert.Serial, listing.Output);
                Assert.Contains(shape.Host ? "host certificate" : "user certificate", listing.Output);
                foreach (string p in cert.Principals.Where(p => p.All(c => c < 128)))
                {
                    Assert.Contains("                " + p + "\n", listing.Output);
                }

                accepted.Add((shape, cert));
            }).Check(Config.QuickThrowOnFailure.WithMaxTest(Cases).WithQuietOnSuccess(true));

            _output.WriteLine($"{Cases} requests: {refusals} refused, {accepted.Count} issued and read by ssh-keygen -L");
            Assert.True(refusals > 0 && accepted.Count > 0, $"refused {refusals}, accepted {accepted.Count}: the generator should reach both");
            LoginWithASample(accepted);
        }

        /// <summary>
        /// Up to <see cref="SshdSample"/> accepted user certificates for the current user (with the private key held): each
        /// logs in, unless its source-address leaves out 127.0.0.1, which sshd must then refuse.
        /// </summary>
        private void LoginWithASample(IEnumerable<(Shape Shape, SshCertificate Cert)> accepted)
        {
            var sample = accepted
                .Where(a => !a.Shape.Host && a.Shape.Key < Holdable.Length && !a.Shape.VerifyRequired && a.Cert.Principals.Contains(SshdServer.CurrentUser))
                .Take(SshdSample)
                .ToList();
            Assert.NotEmpty(sample);
            _output.WriteLine($"{sample.Count} of them against sshd: " + string.Join("; ", sample.Select(a => a.Shape.ToString())));
            using var sshd = new SshdServer(trustedUserCaKeys: new[] { _caKey.PublicKey.ToString() });
            foreach ((Shape shape, SshCertificate cert) in sample)
            {
                string key = _dir.File("login-" + cert.Serial);
                File.WriteAllText(key, Holdable[shape.Key].ToOpenSshFormat());
                File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                File.WriteAllText(key + "-cert.pub", cert + "\n");
                Tool.Result r = CertificateRulesTests.Login(sshd, key);
                bool loopbackAllowed = shape.SourceAddress == null || shape.SourceAddress.Split(',').Any(e => e.StartsWith("127.", StringComparison.Ordinal) || e == "0.0.0.0/0");
                if (loopbackAllowed)
                {
                    Assert.True(r.ExitCode == 0, $"{shape}: {r.Error}\n{sshd.Log}");
                    Assert.Equal(shape.ForceCommand == null ? "certified" : "forced", r.Output.Trim());
                }
                else
                {
                    Assert.True(r.ExitCode == 255 && r.Error.Contains("Permission denied"), $"{shape}: {r.ExitCode} {r.Error}");
                }
            }
        }

        public void Dispose()
        {
            _caKey.Dispose();
            _dir.Dispose();
        }
    }
}
