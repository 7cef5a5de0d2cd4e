using System.IO;
using System.Linq;
using SshKms.Core.Audit;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Parity
{
    /// <summary>Bad audit inputs through Get-SshKmsAudit / Add-SshKmsAuditSeal and `sshkms audit`: the same ErrorId from both.</summary>
    public sealed class AuditParityTests
    {
        private static readonly string Ca = TestHome.NewLocalCa("parity-audit-ca");

        /// <summary>A chained journal of three events, written by the journal itself.</summary>
        private static string Journal(TempDir dir)
        {
            string path = dir.File("audit.jsonl");
            var journal = new AuditJournal(path);
            for (int i = 0; i < 3; i++)
            {
                journal.Append(new AuditEvent("parity.event", "tester").With("n", i));
            }

            return path;
        }

        [Fact]
        public void ReadingAJournalThatDoesNotExist()
        {
            using var dir = new TempDir();
            string path = dir.File("none.jsonl");
            FrontEndParity.AssertSameErrorId("AuditJournalNotFound", "Get-SshKmsAudit -Path $p", new[] { "audit", "--journal", path }, null, null, ("p", path));
        }

        [Fact]
        public void VerifyingAnEditedJournal()
        {
            using var dir = new TempDir();
            string path = Journal(dir);
            string[] lines = File.ReadAllLines(path);
            lines[1] = lines[1].Replace("\"n\":1", "\"n\":7");
            Assert.NotEqual(File.ReadAllLines(path)[1], lines[1]);
            File.WriteAllLines(path, lines);
            FrontEndParity.AssertSameErrorId("AuditChainBroken", "Get-SshKmsAudit -Verify -Path $p", new[] { "audit", "verify", "--journal", path }, null, null, ("p", path));
        }

        [Fact]
        public void CloudTrailWithALocalCaKey()
        {
            using var dir = new TempDir();
            string path = Journal(dir);
            FrontEndParity.AssertSameErrorId("AuditCloudTrailNeedsKmsKey", "Get-SshKmsAudit -CloudTrail -CaKey $ca -Path $p",
                new[] { "audit", "cloudtrail", "--ca", Ca, "--journal", path }, null, null, ("ca", Ca), ("p", path));
        }

        [Fact]
        public void SealingAJournalThatDoesNotExist()
        {
            using var dir = new TempDir();
            string path = dir.File("none.jsonl");
            FrontEndParity.AssertSameErrorId("AuditJournalNotFound", "Add-SshKmsAuditSeal -CaKey $ca -Path $p",
                new[] { "audit", "seal", "--ca", Ca, "--journal", path }, null, null, ("ca", Ca), ("p", path));
        }

        [Fact]
        public void VerifyingAgainstAnUnknownCaKey()
        {
            using var dir = new TempDir();
            string path = Journal(dir);
            string missing = TestHome.NewLocalKey("parity-audit-missing");
            FrontEndParity.AssertSameErrorId("KeyNotFound", "Get-SshKmsAudit -Verify -CaKey $ca -Path $p",
                new[] { "audit", "verify", "--ca", missing, "--journal", path }, null, null, ("ca", missing), ("p", path));
        }
    }
}
