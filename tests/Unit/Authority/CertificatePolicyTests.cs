using System;
using System.Linq;
using SshKms.Core;
using SshKms.Core.Authority;
using SshKms.Core.OpenSsh;
using Xunit;

namespace SshKms.Tests.Authority
{
    public class CertificatePolicyTests
    {
        private static readonly DateTimeOffset Now = new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);
        private static readonly SshPublicKey Ca = TestCa.Key("policy-ca").PublicKey;
        private static readonly SshPublicKey Subject = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "me@laptop").PublicKey;

        private static CertificatePolicy Policy() => new CertificatePolicy { Clock = () => Now };

        private static CertificateRequest User(params string[] principals)
        {
            var r = new CertificateRequest(Subject);
            foreach (string p in principals)
            {
                r.Principals.Add(p);
            }

            return r;
        }

        private static string Id(Action f) => Assert.Throws<SshKmsException>(f).ErrorId;

        [Fact]
        public void UserDefaultsAreFifteenMinutesSshKeygenExtensionsAndACallerKeyId()
        {
            var b = Policy().Apply(User("alice"), Ca, "arn:aws:sts::123456789012:assumed-role/ops/bob");
            Assert.Equal((ulong)Now.ToUnixTimeSeconds(), b.ValidAfter);
            Assert.Equal((ulong)Now.AddMinutes(15).ToUnixTimeSeconds(), b.ValidBefore);
            Assert.Equal(CertificatePolicy.DefaultUserExtensions, b.Extensions.Select(e => e.Key));
            Assert.Equal($"sshkms:arn:aws:sts::123456789012:assumed-role/ops/bob:{b.Serial}", b.KeyId);
            Assert.NotEqual(0UL, b.Serial);
            Assert.Equal("me@laptop", b.Comment);
        }

        [Fact]
        public void HostDefaultsAreThirtyDaysNoExtensionsAndAPrincipalUnlessAnyPrincipalIsAsked()
        {
            var r = new CertificateRequest(Subject) { Type = SshCertificateType.Host, Principals = { "web1.example" } };
            var b = Policy().Apply(r, Ca, "op");
            Assert.Equal((ulong)Now.AddDays(30).ToUnixTimeSeconds(), b.ValidBefore);
            Assert.Empty(b.Extensions);
            Assert.Equal(new[] { "web1.example" }, b.Principals);
            var any = new CertificateRequest(Subject) { Type = SshCertificateType.Host };
            Assert.Equal("CertificatePrincipalRequired", Id(() => Policy().Apply(any, Ca, "op")));
            any.AnyPrincipal = true;
            Assert.Empty(Policy().Apply(any, Ca, "op").Principals);
        }

        [Fact]
        public void UserCertificateNeedsAPrincipalUnlessAnyPrincipalIsAsked()
        {
            Assert.Equal("CertificatePrincipalRequired", Id(() => Policy().Apply(User(), Ca, "op")));
            var r = User();
            r.AnyPrincipal = true;
            Assert.Empty(Policy().Apply(r, Ca, "op").Principals);
            Assert.Equal("CertificatePrincipalInvalid", Id(() => Policy().Apply(User("a,b"), Ca, "op")));
        }

        [Fact]
        public void ValidityBeyondThePolicyMaximumIsRefused()
        {
            var r = User("alice");
            r.Validity = TimeSpan.FromHours(25);
            Assert.Equal("CertificateValidityTooLong", Id(() => Policy().Apply(r, Ca, "op")));
            r.Validity = TimeSpan.FromHours(24);
            Assert.Equal((ulong)Now.AddHours(24).ToUnixTimeSeconds(), Policy().Apply(r, Ca, "op").ValidBefore);
            var host = new CertificateRequest(Subject) { Type = SshCertificateType.Host, Principals = { "web1" }, Validity = TimeSpan.FromDays(366) };
            Assert.Equal("CertificateValidityTooLong", Id(() => Policy().Apply(host, Ca, "op")));
            var window = User("alice");
            window.ValidFrom = Now;
            window.ValidTo = Now.AddDays(2);
            Assert.Equal("CertificateValidityTooLong", Id(() => Policy().Apply(window, Ca, "op")));
        }

        [Fact]
        public void ExplicitWindowAndBackdate()
        {
            var r = User("alice");
            r.ValidFrom = Now.AddHours(-3);
            r.ValidTo = Now.AddHours(-2);
            r.Backdate = TimeSpan.FromMinutes(5);
            var b = Policy().Apply(r, Ca, "op");
            Assert.Equal((ulong)Now.AddHours(-3).AddMinutes(-5).ToUnixTimeSeconds(), b.ValidAfter);
            Assert.Equal((ulong)Now.AddHours(-2).ToUnixTimeSeconds(), b.ValidBefore);
            r.Validity = TimeSpan.FromMinutes(5);
            Assert.Equal("CertificateValidityConflict", Id(() => Policy().Apply(r, Ca, "op")));
            var backwards = User("alice");
            backwards.ValidFrom = Now;
            backwards.ValidTo = Now.AddMinutes(-1);
            Assert.Equal("CertificateValidityInvalid", Id(() => Policy().Apply(backwards, Ca, "op")));
        }

        [Fact]
        public void KeyIdTemplateFillsEveryField()
        {
            var r = User("alice", "bob");
            r.Serial = 77;
            r.KeyIdTemplate = "{caller}|{principal}|{principals}|{serial}|{time}|{fingerprint}";
            var b = Policy().Apply(r, Ca, "op@host");
            Assert.Equal($"op@host|alice|alice,bob|77|2026-11-22T09:00:00Z|{Subject.Fingerprint}", b.KeyId);
            r.KeyIdTemplate = "{nope}";
            Assert.Equal("CertificateKeyIdTemplateInvalid", Id(() => Policy().Apply(r, Ca, "op")));
        }

        [Fact]
        public void SerialIsRandomNonZeroUnlessGiven()
        {
            var serials = Enumerable.Range(0, 20).Select(_ => Policy().Apply(User("a"), Ca, "op").Serial).ToList();
            Assert.DoesNotContain(0UL, serials);
            Assert.Equal(20, serials.Distinct().Count());
            var r = User("a");
            r.Serial = 0;
            Assert.Equal("CertificateSerialInvalid", Id(() => Policy().Apply(r, Ca, "op")));
        }

        [Fact]
        public void ExtensionsCanBeGivenOrNone()
        {
            var r = User("a");
            r.Extensions = new[] { "permit-pty" };
            Assert.Equal(new[] { "permit-pty" }, Policy().Apply(r, Ca, "op").Extensions.Select(e => e.Key));
            r.NoExtensions = true;
            Assert.Empty(Policy().Apply(r, Ca, "op").Extensions);
        }

        [Theory]
        [InlineData("10.0.0.0/8", true)]
        [InlineData("192.0.2.7, 2001:db8::/32", true)]
        [InlineData("::1/128,0.0.0.0/0", true)]
        [InlineData("10.0.0.0/33", false)]
        [InlineData("2001:db8::/129", false)]
        [InlineData("example.com", false)]
        [InlineData("10.0.0", false)]
        [InlineData("10.0.0.1,", false)]
        [InlineData("10.0.0.1/-1", false)]
        public void SourceAddressIsValidated(string list, bool valid)
        {
            var r = User("a");
            r.SourceAddress = list;
            if (valid)
            {
                var b = Policy().Apply(r, Ca, "op");
                Assert.Equal(list.Replace(" ", string.Empty), b.CriticalOptions.Single(o => o.Key == "source-address").Value);
            }
            else
            {
                Assert.Equal("CertificateSourceAddressInvalid", Id(() => Policy().Apply(r, Ca, "op")));
            }
        }

        [Theory]
        [InlineData("15m", 15 * 60)]
        [InlineData("1h", 3600)]
        [InlineData("30d", 30 * 86400)]
        [InlineData("90s", 90)]
        [InlineData("1h30m", 5400)]
        [InlineData("1w", 7 * 86400)]
        [InlineData("01:30:00", 5400)]
        public void DurationsParse(string text, int seconds) =>
            Assert.Equal(TimeSpan.FromSeconds(seconds), ValidityParser.Parse(text));

        [Theory]
        [InlineData("")]
        [InlineData("15")]
        [InlineData("0m")]
        [InlineData("1y")]
        [InlineData("m15")]
        [InlineData("-5m")]
        [InlineData("999999999w")]
        [InlineData("999999999w999999999d999999999h")]
        public void BadDurationsAreRefused(string text) =>
            Assert.Equal("CertificateValidityInvalid", Id(() => ValidityParser.Parse(text)));
    }
}
