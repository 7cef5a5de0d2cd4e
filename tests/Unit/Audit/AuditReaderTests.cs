using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Audit;
using SshKms.Core.Authority;
using SshKms.Core.OpenSsh;
using SshKms.Core.Sessions;
using SshKms.Tests.Infrastructure;
using SshKms.Tests.Rotation;
using Xunit;

namespace SshKms.Tests.Audit
{
    /// <summary>Reading the journal back: the shared filter, Get-SshKmsAudit's objects, and `sshkms audit`.</summary>
    public sealed class AuditReaderTests : IDisposable
    {
        private const string Alice = "arn:aws:sts::111122223333:assumed-role/ops/alice";
        private const string Bob = "arn:aws:sts::111122223333:assumed-role/ops/bob";
        private static readonly DateTimeOffset Now = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        private readonly TempDir _tmp = new TempDir("sshkms-audit-read");

        public void Dispose() => _tmp.Dispose();

        /// <summary>A certificate, the session that used it, a rotation step and a session with the rotated key; then two bad lines.</summary>
        private AuditJournal Journal(bool withBadLines = true)
        {
            var journal = new AuditJournal(_tmp.File("audit.jsonl"));
            journal.Append(new AuditEvent(AuditEvent.CertificateIssued, Alice, Now.AddHours(-2))
                .With("serial", 77UL).With("keyId", "sshkms:alice:77").With("principals", new[] { "ec2-user", "ops" }));
            journal.Append(new AuditEvent(AuditEvent.SessionEnded, Alice, Now.AddHours(-1))
                .With("credential", "awskms:alias/ssh-ca").With("host", "web1").With("certificateSerial", 77UL).With("exitCode", 0));
            journal.Append(new AuditEvent(AuditEvent.RotationStep, Bob, Now.AddMinutes(-10))
                .With("secretId", "ops/deploy").With("step", "FinishSecret").With("node", "web1").With("succeeded", true));
            journal.Append(new AuditEvent(AuditEvent.SessionEnded, Bob, Now)
                .With("credential", "secret:ops/deploy").With("host", "db1").With("certificateSerial", null).With("exitCode", 7));
            if (withBadLines)
            {
                File.AppendAllText(journal.Path, "{\"type\":\"session.ended\",\"ti\n{\"x\":1}\n");
            }

            return journal;
        }

        private static string[] Types(IEnumerable<AuditRecord> records) => records.Select(r => r.Type + "@" + r.Time.ToString("HH:mm")).ToArray();

        [Fact]
        public void EveryConditionNarrowsTheEventsAndBadLinesAreReportedByNumberWhileTheRestIsRead()
        {
            AuditJournal journal = Journal();
            var bad = new List<SshKmsException>();
            IReadOnlyList<AuditRecord> all = journal.Read(null, bad.Add);
            Assert.Equal(new[] { "certificate.issued@10:00", "session.ended@11:00", "rotation.step@11:50", "session.ended@12:00" }, Types(all));
            Assert.Equal(new[] { "AuditJournalLineInvalid", "AuditJournalLineInvalid" }, bad.Select(e => e.ErrorId));
            Assert.Contains("line 5", bad[0].Message);
            Assert.Contains("line 6", bad[1].Message);

            IReadOnlyList<AuditRecord> Where(Action<AuditFilter> set)
            {
                var f = new AuditFilter();
                set(f);
                return journal.Read(f);
            }

            Assert.Equal(2, Where(f => f.Types.Add("session.*")).Count);
            Assert.Equal(new[] { "certificate.issued@10:00", "session.ended@11:00" }, Types(Where(f => f.Serial = 77)));
            Assert.Equal(new[] { "rotation.step@11:50", "session.ended@12:00" }, Types(Where(f => f.SecretId = "ops/deploy")));
            Assert.Equal(2, Where(f => f.Operator = "*/ALICE").Count);
            Assert.Equal(new[] { "session.ended@11:00" }, Types(Where(f => f.HostName = "WEB1")));
            Assert.Equal(new[] { "rotation.step@11:50", "session.ended@12:00" }, Types(Where(f => f.Since = Now.AddMinutes(-30))));
            Assert.Equal(new[] { "certificate.issued@10:00" }, Types(Where(f => f.Until = Now.AddMinutes(-90))));
            Assert.Equal(new[] { "session.ended@12:00" }, Types(Where(f => { f.Last = 1; f.Types.Add("session.ended"); })));
            Assert.Empty(Where(f => { f.Serial = 77; f.Operator = Bob; }));

            AuditRecord issued = all[0];
            Assert.Equal(77UL, issued["serial"]);
            Assert.Equal(new[] { "ec2-user", "ops" }, issued["principals"]);
            Assert.Equal(Alice, issued.Operator);
            Assert.Null(all[3]["certificateSerial"]);
            Assert.Equal(7UL, all[3]["exitCode"]);
        }

        [Fact]
        public void AJournalThatDoesNotExistYetHoldsNoEvents() =>
            Assert.Empty(new AuditJournal(_tmp.File("never-written.jsonl")).Read());

        [Fact]
        public void CmdletWritesOneRecordPerEventWithTheSharedFieldsAsProperties()
        {
            AuditJournal journal = Journal(withBadLines: false);
            using var ps = new ModuleRunspace();
            List<AuditRecord> records = ps.Ok("Get-SshKmsAudit -Path $j -Serial 77 -Since $s", ("j", journal.Path), ("s", Now.AddDays(-1).UtcDateTime))
                .Select(o => (AuditRecord)o.BaseObject).ToList();

            Assert.Equal(2, records.Count);
            AuditRecord session = records[1];
            Assert.Equal("session.ended", session.Type);
            Assert.Equal(Now.AddHours(-1), session.Time);
            Assert.Equal(Alice, session.Operator);
            Assert.Equal("web1", session.HostName);
            Assert.Equal(77UL, session.Serial);
            Assert.Equal(0L, session.ExitCode);
            Assert.Equal("awskms:alias/ssh-ca", session.Fields["credential"]);
            Assert.Equal("sshkms:alice:77", records[0].KeyId);
            Assert.Equal(new[] { "ec2-user", "ops" }, records[0].Fields["principals"]);
            Assert.Equal(new[] { "credential", "host", "certificateSerial", "exitCode" }, session.Fields.Keys);

            var stored = (AuditRecord)Assert.Single(ps.Ok("Get-SshKmsAudit -Path $j -Type 'session.*' -SecretId ops/deploy", ("j", journal.Path))).BaseObject;
            Assert.Equal("db1", stored.HostName);
            Assert.Null(stored.Serial);
            Assert.Equal(7L, stored.ExitCode);
            Assert.Single(ps.Ok("Get-SshKmsAudit -Path $j rotation.*", ("j", journal.Path)));
            Assert.Equal(2, ps.Ok("Get-SshKmsAudit -Path $j -Operator '*bob' -Last 5", ("j", journal.Path)).Count);
            Assert.Equal("AuditJournalNotFound", ps.Run("Get-SshKmsAudit -Path $j", ("j", _tmp.File("nope.jsonl"))).ErrorId);
        }

        [Fact]
        public void SerialBindsFromCertificatesAndSessionResultsInThePipeline()
        {
            using var ps = new ModuleRunspace();
            // A certificate issued by the real local CA, then its event found by piping the certificate in.
            string ca = TestHome.NewLocalKey("audit-pipe");
            RunResult found = ps.Run(
                "New-SshKmsCaKey -CaKey $ca | Out-Null; $k | New-SshKmsCertificate -CaKey $ca -Principal alice | Get-SshKmsAudit -Type certificate.issued",
                ("ca", ca), ("k", SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519).PublicKey.ToString()));
            Assert.Empty(found.Errors);
            AuditRecord issued = found.Single<AuditRecord>();
            Assert.Equal(ca, issued.Fields["caKey"]);
            Assert.Equal(new[] { "alice" }, issued.Fields["principals"]);

            // Invoke-SshKmsSession's results carry CertificateSerial; Get-SshCertificate's and the records' own, Serial.
            AuditJournal journal = Journal(withBadLines: false);
            Assert.Equal(2, ps.Ok("[pscustomobject]@{ CertificateSerial = 77 } | Get-SshKmsAudit -Path $j", ("j", journal.Path)).Count);
            Assert.Equal(2, ps.Ok("Get-SshKmsAudit -Path $j -Type certificate.issued | Get-SshKmsAudit -Path $j", ("j", journal.Path)).Count);
            Assert.NotNull(typeof(SshSessionResult).GetProperty("CertificateSerial"));
            Assert.NotNull(typeof(CertificateInfo).GetProperty("Serial"));
        }

        [Fact]
        public async Task CliFindsTheEventOfACertificateItJustIssuedByItsSerial()
        {
            string pub = _tmp.File("id_ed25519.pub");
            File.WriteAllText(pub, SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "me").PublicKey + "\n");
            ulong serial = (ulong)Random.Shared.NextInt64(1, long.MaxValue);
            var issued = await KeyPairSurfaceTests.Cli("cert", "new", "--ca", TestHome.NewLocalKey("audit-cli"), "--create", "--public-key", pub, "--principal", "alice",
                "--serial", serial.ToString());
            Assert.True(issued.Code == 0, issued.Err);

            var json = await KeyPairSurfaceTests.Cli("audit", "--serial", serial.ToString(), "--since", "1h", "--json");
            Assert.Equal(0, json.Code);
            string line = Assert.Single(json.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            using JsonDocument doc = JsonDocument.Parse(line);
            Assert.Equal("certificate.issued", doc.RootElement.GetProperty("type").GetString());
            Assert.Equal(serial, doc.RootElement.GetProperty("serial").GetUInt64());

            var text = await KeyPairSurfaceTests.Cli("audit", "--serial", serial.ToString(), "--type", "certificate.*");
            Assert.Equal(0, text.Code);
            Assert.Matches($@"^\d{{4}}-\d\d-\d\dT[0-9:.]+Z  certificate\.issued  local:\S+  .*serial={serial} .*principals=alice", text.Out.Trim());

            Assert.Empty((await KeyPairSurfaceTests.Cli("audit", "--serial", serial.ToString(), "--until", "2000-01-01T00:00:00Z")).Out);
        }

        [Fact]
        public async Task CliRefusesAMissingJournalAndBadOptionsWithOneLine()
        {
            var missing = await KeyPairSurfaceTests.Cli("audit", "--journal", _tmp.File("nope.jsonl"));
            Assert.Equal(1, missing.Code);
            Assert.Contains("[AuditJournalNotFound]", missing.Err);

            var since = await KeyPairSurfaceTests.Cli("audit", "--since", "soon");
            Assert.Equal(2, since.Code);
            Assert.Contains("[CliOptionInvalid]", since.Err);
            Assert.DoesNotContain(" at ", since.Err);

            Assert.Contains("[CliOptionInvalid]", (await KeyPairSurfaceTests.Cli("audit", "--serial", "-3")).Err);

            // A torn line is named on stderr, and the good lines still come out.
            AuditJournal journal = Journal();
            var read = await KeyPairSurfaceTests.Cli("audit", "--journal", journal.Path);
            Assert.Equal(0, read.Code);
            Assert.Equal(4, read.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.Contains("line 5", read.Err);
            Assert.Contains("[AuditJournalLineInvalid]", read.Err);
        }
    }
}
