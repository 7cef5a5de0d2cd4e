using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Audit;
using SshKms.Core.Authority;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.Sessions;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Sessions
{
    /// <summary>
    /// Sessions through a real local CA against a real sshd: the journal ties each host's session.ended event to the
    /// certificate.issued event of the certificate it logged in with, under the same operator.
    /// </summary>
    [Collection("sessions")]
    public sealed class SessionAuditTests : IDisposable
    {
        private readonly TempDir _tmp = new TempDir("sshkms-session-audit");

        public void Dispose() => _tmp.Dispose();

        private static async Task<CertificateAuthority> LocalCaAsync(AuditJournal journal)
        {
            ISigningKey key = await SigningKeys.CreateAsync(KeyUri.Parse(TestHome.NewLocalKey("session-audit")), "ECC_NIST_P256", new AwsSettings(), CancellationToken.None);
            return new CertificateAuthority(key, "local:operator-under-test", null, journal);
        }

        [Fact]
        public async Task EachHostsEndIsRecordedWithTheSerialOfItsCertificateAndTheOperator()
        {
            var journal = new AuditJournal(_tmp.File("audit.jsonl"));
            CertificateAuthority ca = await LocalCaAsync(journal);
            using var server = new SshdServer(trustedUserCaKeys: new[] { ca.Key.PublicKey.ToString() });
            int deadPort = FreePort.Next();
            SshSessionOptions options = SshSessionTests.OptionsFor(server, "exit 3");

            SshSessionResult ok = (await SshSession.WithAuthority(ca, options).RunAsync(new[] { "127.0.0.1" }, null, CancellationToken.None)).Single();
            options.Port = deadPort;
            SshSessionResult dead = (await SshSession.WithAuthority(ca, options).RunAsync(new[] { "127.0.0.1" }, null, CancellationToken.None)).Single();

            Assert.Equal(3, ok.ExitCode);
            Assert.Null(ok.ErrorId);
            Assert.Equal("HostUnreachable", dead.ErrorId);
            IReadOnlyList<JsonElement> events = journal.ReadAll();
            Assert.Equal(new[] { "certificate.issued", "session.ended", "certificate.issued", "session.ended" }, events.Select(e => e.GetProperty("type").GetString()));
            Assert.All(events, e => Assert.Equal("local:operator-under-test", e.GetProperty("operator").GetString()));

            JsonElement issued = events[0], ended = events[1];
            Assert.Equal(issued.GetProperty("serial").GetUInt64(), ended.GetProperty("certificateSerial").GetUInt64());
            Assert.Equal(ok.CertificateSerial, ended.GetProperty("certificateSerial").GetUInt64());
            Assert.Equal(issued.GetProperty("keyId").GetString(), ended.GetProperty("keyId").GetString());
            Assert.Equal("ssh", ended.GetProperty("program").GetString());
            Assert.Equal(ca.Key.Uri.ToString(), ended.GetProperty("credential").GetString());
            Assert.Equal("127.0.0.1", ended.GetProperty("host").GetString());
            Assert.Equal(server.Port, ended.GetProperty("port").GetInt32());
            Assert.Equal(SshdServer.CurrentUser, ended.GetProperty("user").GetString());
            Assert.Equal("exit 3", ended.GetProperty("command").GetString());
            Assert.Equal(3, ended.GetProperty("exitCode").GetInt32());
            Assert.Equal(JsonValueKind.Null, ended.GetProperty("errorId").ValueKind);

            JsonElement deadEnded = events[3];
            Assert.Equal(deadPort, deadEnded.GetProperty("port").GetInt32());
            Assert.Equal("HostUnreachable", deadEnded.GetProperty("errorId").GetString());
            Assert.Equal(events[2].GetProperty("serial").GetUInt64(), deadEnded.GetProperty("certificateSerial").GetUInt64());
        }

        [Fact]
        public async Task AJournalThatCannotBeWrittenStopsTheHostBeforeSshRuns()
        {
            // The CA's own journal works (so a certificate could be issued); the session's is under a regular file.
            CertificateAuthority ca = await LocalCaAsync(new AuditJournal(_tmp.File("audit.jsonl")));
            File.WriteAllText(_tmp.File("not-a-folder"), "x");
            var broken = new AuditJournal(Path.Combine(_tmp.File("not-a-folder"), "audit.jsonl"));
            using var server = new SshdServer(trustedUserCaKeys: new[] { ca.Key.PublicKey.ToString() });
            string marker = _tmp.File("ran");

            SshSessionResult r = (await SshSession.WithCertificates(ca.IssueAsync, SshSessionTests.OptionsFor(server, $"touch '{marker}'; echo ran"))
                .RecordTo(broken, "someone", "local:x").RunAsync(new[] { "127.0.0.1" }, null, CancellationToken.None)).Single();

            Assert.Equal("AuditJournalWriteFailed", r.ErrorId);
            Assert.DoesNotContain("Also:", r.ErrorMessage);
            Assert.Equal(-1, r.ExitCode);
            Assert.Equal(string.Empty, r.Output);
            Assert.False(File.Exists(marker));
            Assert.Null(r.CertificateSerial);
            Assert.Empty(new AuditJournal(_tmp.File("audit.jsonl")).Read());
        }
    }
}
