using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Audit;
using SshKms.Core.Authority;
using SshKms.Core.OpenSsh;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Authority
{
    public class CertificateAuthorityTests
    {
        [Fact]
        public async Task ASignatureThatDoesNotVerifyUnderTheCaKeyIsRefusedAndNotJournalled()
        {
            using var dir = new TempDir();
            var journal = new AuditJournal(dir.File("audit.jsonl"));
            var ca = new CertificateAuthority(new FakeSwappedSigningKey(), TestCa.Operator, new CertificatePolicy(), journal);
            var request = new CertificateRequest(SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519).PublicKey) { Principals = { "alice" } };
            var ex = await Assert.ThrowsAsync<SshFormatException>(() => ca.IssueAsync(request, CancellationToken.None));
            Assert.Equal("SshSignatureInvalid", ex.ErrorId);
            Assert.Contains("CA signature is not valid", ex.Message);
            Assert.Empty(journal.ReadAll());
        }

        [Theory]
        [InlineData(SshKeyAlgorithm.EcdsaP256, SshKeyAlgorithm.Ed25519)]
        [InlineData(SshKeyAlgorithm.EcdsaP384, SshKeyAlgorithm.EcdsaP256)]
        [InlineData(SshKeyAlgorithm.EcdsaP521, SshKeyAlgorithm.Rsa2048)]
        [InlineData(SshKeyAlgorithm.Ed25519, SshKeyAlgorithm.EcdsaP521)]
        [InlineData(SshKeyAlgorithm.Rsa2048, SshKeyAlgorithm.Ed25519)]
        public async Task SshKeygenReadsEveryCertificateTheCaMakes(SshKeyAlgorithm caAlgorithm, SshKeyAlgorithm subjectAlgorithm)
        {
            using var dir = new TempDir();
            using var caKey = new InMemorySigningKey(caAlgorithm, "keygen-" + caAlgorithm);
            var ca = new CertificateAuthority(caKey, "op@host", new CertificatePolicy(), null);
            using var subject = SshPrivateKey.Generate(subjectAlgorithm, "me");
            var request = new CertificateRequest(subject.PublicKey) { ForceCommand = "uptime", SourceAddress = "127.0.0.1/32,::1", VerifyRequired = true };
            request.Principals.Add("alice");
            request.Principals.Add("bob");
            SshCertificate cert = await ca.IssueAsync(request, CancellationToken.None);
            Assert.Equal(1, caKey.SignCount);
            string path = dir.File("id-cert.pub");
            File.WriteAllText(path, cert + "\n");
            string listing = Tool.Check("ssh-keygen", "-L", "-f", path);
            Assert.Contains("Type: " + SshKeyTypes.CertificateTypeFor(subject.KeyType) + " user certificate", listing);
            Assert.Contains("Serial: " + cert.Serial, listing);
            Assert.Contains($"Key ID: \"sshkms:op@host:{cert.Serial}\"", listing);
            Assert.Contains(caKey.PublicKey.Fingerprint, listing);
            Assert.Contains("alice", listing);
            Assert.Contains("force-command uptime", listing);
            Assert.Contains("source-address 127.0.0.1/32,::1", listing);
            Assert.Contains("verify-required", listing);
            Assert.Contains("permit-user-rc", listing);
        }

        [Fact]
        public async Task RsaCaSignsWithSha512UnlessSha256IsAsked()
        {
            using var caKey = new InMemorySigningKey(SshKeyAlgorithm.Rsa2048, "rsa-alg");
            var ca = new CertificateAuthority(caKey, "op", new CertificatePolicy(), null);
            var request = new CertificateRequest(SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519).PublicKey) { AnyPrincipal = true };
            Assert.Equal("rsa-sha2-512", (await ca.IssueAsync(request, CancellationToken.None)).SignatureAlgorithm);
            request.RsaSha256 = true;
            Assert.Equal("rsa-sha2-256", (await ca.IssueAsync(request, CancellationToken.None)).SignatureAlgorithm);
        }

        [Fact]
        public async Task EveryCertificateAppendsOneAuditLineWithItsFields()
        {
            using var dir = new TempDir();
            var journal = new AuditJournal(dir.File("audit.jsonl"));
            var ca = TestCa.Create("audit-ca", journal);
            using var subject = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519);
            var request = new CertificateRequest(subject.PublicKey);
            request.Principals.Add("deploy");
            SshCertificate first = await ca.IssueAsync(request, CancellationToken.None);
            SshCertificate second = await ca.IssueAsync(request, CancellationToken.None);

            string[] lines = File.ReadAllLines(journal.Path);
            Assert.Equal(2, lines.Length);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(journal.Path));
            JsonElement e = JsonDocument.Parse(lines[0]).RootElement;
            Assert.Equal("certificate.issued", e.GetProperty("type").GetString());
            Assert.Equal(TestCa.Operator, e.GetProperty("operator").GetString());
            Assert.True(DateTimeOffset.Parse(e.GetProperty("time").GetString()!) > DateTimeOffset.UtcNow.AddMinutes(-1));
            Assert.Equal("local:audit-ca", e.GetProperty("caKey").GetString());
            Assert.Equal("local:audit-ca", e.GetProperty("caKeyArn").GetString());
            Assert.Equal(JsonValueKind.Null, e.GetProperty("kmsRequestId").ValueKind);
            Assert.Equal(first.Serial, e.GetProperty("serial").GetUInt64());
            Assert.Equal(first.KeyId, e.GetProperty("keyId").GetString());
            Assert.Equal(new[] { "deploy" }, e.GetProperty("principals").EnumerateArray().Select(p => p.GetString()));
            Assert.Equal(first.ValidFrom, DateTimeOffset.Parse(e.GetProperty("validAfter").GetString()!));
            Assert.Equal(first.ValidTo, DateTimeOffset.Parse(e.GetProperty("validBefore").GetString()!));
            Assert.Equal("user", e.GetProperty("certificateType").GetString());
            Assert.Equal(subject.PublicKey.Fingerprint, e.GetProperty("subjectFingerprint").GetString());
            Assert.Equal(ca.Key.PublicKey.Fingerprint, e.GetProperty("caFingerprint").GetString());
            Assert.Equal(second.Serial, journal.ReadAll()[1].GetProperty("serial").GetUInt64());
        }

        [Fact]
        public async Task RefusedRequestsAreNeitherSignedNorAudited()
        {
            using var dir = new TempDir();
            var journal = new AuditJournal(dir.File("audit.jsonl"));
            using var caKey = new InMemorySigningKey(SshKeyAlgorithm.EcdsaP256, "refuse-ca");
            var ca = new CertificateAuthority(caKey, "op", new CertificatePolicy(), journal);
            var request = new CertificateRequest(SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519).PublicKey);
            var ex = await Assert.ThrowsAsync<SshKms.Core.SshKmsException>(() => ca.IssueAsync(request, CancellationToken.None));
            Assert.Equal("CertificatePrincipalRequired", ex.ErrorId);
            Assert.Equal(0, caKey.SignCount);
            Assert.False(File.Exists(journal.Path));
        }

        [Fact]
        public void ConcurrentAppendsFromThreadsAndProcessesNeverInterleave()
        {
            using var dir = new TempDir();
            string path = dir.File("audit.jsonl");
            var journal = new AuditJournal(path);
            string filler = new string('x', 5000);
            // Another process appends at the same time as our threads, taking the same exclusive flock(2) as .NET's FileShare.None.
            var other = System.Diagnostics.Process.Start("bash", new[] { "-c", $"for i in $(seq 1 200); do flock -x '{path}' -c \"printf '{{\\\"type\\\":\\\"other\\\",\\\"n\\\":%d,\\\"time\\\":\\\"2026-01-01T00:00:00Z\\\"}}\\\\n' $i >> '{path}'\"; done" })!;
            Parallel.For(0, 400, i => journal.Append(new AuditEvent("test.event", "op").With("n", i).With("filler", filler)));
            other.WaitForExit();
            var events = journal.ReadAll();
            Assert.Equal(600, events.Count);
            Assert.Equal(400, events.Count(e => e.GetProperty("type").GetString() == "test.event"));
        }
    }
}
