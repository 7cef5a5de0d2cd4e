using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Audit;
using SshKms.Core.Authority;
using SshKms.Core.OpenSsh;
using SshKms.Tests.Authority;
using SshKms.Tests.Infrastructure;
using SshKms.Tests.Rotation;
using Xunit;

namespace SshKms.Tests.Audit
{
    /// <summary>The journal's hash chain and seals: what verify accepts, and the first bad line it names for each kind of tampering.</summary>
    public sealed class AuditChainTests : IDisposable
    {
        private readonly TempDir _tmp = new TempDir("sshkms-audit-chain");

        public void Dispose() => _tmp.Dispose();

        private AuditJournal Journal(int events, string name = "audit.jsonl")
        {
            var journal = new AuditJournal(_tmp.File(name));
            for (int i = 1; i <= events; i++)
            {
                journal.Append(new AuditEvent("test.event", "op").With("n", i));
            }

            return journal;
        }

        private static List<string> Lines(AuditJournal journal) => File.ReadAllText(journal.Path).Split('\n').SkipLast(1).ToList();

        private static void Write(AuditJournal journal, IEnumerable<string> lines, bool finalNewline = true) =>
            File.WriteAllText(journal.Path, string.Join("\n", lines) + (finalNewline ? "\n" : string.Empty));

        private static string Sha(string line) => AuditChain.Hash(Encoding.UTF8.GetBytes(line), 0, Encoding.UTF8.GetByteCount(line));

        /// <summary>The tamperer's best effort without the CA key: every line from <paramref name="from"/> on is re-chained to the line before it.</summary>
        private static List<string> Rechain(List<string> lines, int from)
        {
            for (int i = Math.Max(1, from); i < lines.Count; i++)
            {
                JsonObject o = JsonNode.Parse(lines[i])!.AsObject();
                o["prev"] = Sha(lines[i - 1]);
                lines[i] = o.ToJsonString();
            }

            return lines;
        }

        private static SshKmsException Broken(AuditJournal journal, int line)
        {
            var ex = Assert.Throws<SshKmsException>(() => AuditChain.Verify(journal));
            Assert.Equal("AuditChainBroken", ex.ErrorId);
            Assert.Contains($"broken at line {line}:", ex.Message);
            return ex;
        }

        [Fact]
        public void EveryLineCarriesTheHashOfTheLineBeforeAndAnIntactJournalVerifies()
        {
            AuditJournal journal = Journal(4);
            List<string> lines = Lines(journal);
            Assert.Equal(AuditChain.Genesis, JsonDocument.Parse(lines[0]).RootElement.GetProperty("prev").GetString());
            for (int i = 1; i < 4; i++)
            {
                Assert.Equal(Sha(lines[i - 1]), JsonDocument.Parse(lines[i]).RootElement.GetProperty("prev").GetString());
            }

            AuditVerification ok = AuditChain.Verify(journal);
            Assert.Equal(4, ok.Lines);
            Assert.Equal(1, ok.ChainStart);
            Assert.Equal(Sha(lines[3]), ok.Head);
            Assert.Empty(ok.Seals);

            // The reader shows the chain hash as Prev, not as one of the event's fields.
            AuditRecord second = journal.Read()[1];
            Assert.Equal(Sha(lines[0]), second.Prev);
            Assert.Equal(new[] { "n" }, second.Fields.Keys);
        }

        [Theory]
        [InlineData("edit", 2)]
        [InlineData("delete", 2)]
        [InlineData("insert-unchained", 3)]
        [InlineData("insert-forged", 3)]
        [InlineData("reorder", 2)]
        [InlineData("torn-last-line", 5)]
        [InlineData("corrupt", 3)]
        [InlineData("drop-first-lines", 1)]
        public void EachKindOfTamperingIsAuditChainBrokenNamingTheFirstBadLine(string tampering, int firstBadLine)
        {
            AuditJournal journal = Journal(5);
            List<string> lines = Lines(journal);
            switch (tampering)
            {
                case "edit": lines[1] = lines[1].Replace("\"n\":2", "\"n\":22"); break;
                case "delete": lines.RemoveAt(2); break;
                case "insert-unchained": lines.Insert(2, "{\"type\":\"test.event\",\"time\":\"2026-01-01T00:00:00.000Z\",\"operator\":\"op\",\"n\":99}"); break;
                case "insert-forged":
                    lines.Insert(2, "{\"type\":\"test.event\",\"time\":\"2026-01-01T00:00:00.000Z\",\"operator\":\"op\",\"n\":99,\"prev\":\"" + Sha(lines[1]) + "\"}");
                    break;
                case "reorder": (lines[1], lines[3]) = (lines[3], lines[1]); break;
                case "torn-last-line": lines[4] = lines[4].Substring(0, 20); break;
                case "corrupt": lines[2] = "{\"type\":\"test.ev"; break;
                case "drop-first-lines": lines.RemoveRange(0, 2); break;
            }

            Write(journal, lines, finalNewline: tampering != "torn-last-line");
            Broken(journal, firstBadLine);
        }

        [Fact]
        public void AJournalFromBeforeTheChainVerifiesFromWhereTheChainBegins()
        {
            var journal = new AuditJournal(_tmp.File("old.jsonl"));
            File.WriteAllText(journal.Path,
                "{\"type\":\"certificate.issued\",\"time\":\"2026-01-01T00:00:00.000Z\",\"operator\":\"op\",\"serial\":1}\n"
                + "{\"type\":\"certificate.issued\",\"time\":\"2026-01-02T00:00:00.000Z\",\"operator\":\"op\",\"serial\":2}\n");
            Assert.Null(AuditChain.Verify(journal).ChainStart);
            journal.Append(new AuditEvent("test.event", "op"));
            journal.Append(new AuditEvent("test.event", "op"));

            AuditVerification ok = AuditChain.Verify(journal);
            Assert.Equal(3, ok.ChainStart);
            Assert.Equal(4, ok.Lines);

            // The chained part is protected (the last old line too: the first chained line holds its hash), and an
            // unchained line after the chain began is an insertion.
            List<string> lines = Lines(journal);
            Write(journal, lines.Take(3).Concat(new[] { lines[0] }).Concat(lines.Skip(3)));
            Broken(journal, 4);
            lines[1] = lines[1].Replace("\"serial\":2", "\"serial\":3");
            Write(journal, lines);
            Broken(journal, 2);
        }

        [Fact]
        public void AWriteAfterATornLineEndsItAndVerifyStillNamesIt()
        {
            AuditJournal journal = Journal(2);
            File.AppendAllText(journal.Path, "{\"type\":\"cut");
            journal.Append(new AuditEvent("test.event", "op"));
            Assert.Equal(4, Lines(journal).Count);
            Broken(journal, 3);
        }

        [Fact]
        public void ConcurrentWritersInThreadsAndProcessesKeepOneUnbrokenChain()
        {
            // Three `sshkms cert new` processes (each its own process appending through the same flock) and 200
            // appends from threads here, all at once, into one journal.
            string home = _tmp.File("home");
            Directory.CreateDirectory(home);
            var env = new Dictionary<string, string?> { ["SSHKMS_HOME"] = home };
            Assert.Equal(0, Tool.Sshkms(new[] { "ca", "create", "--ca", "local:concurrent" }, env).ExitCode);
            string pub = _tmp.File("id.pub");
            File.WriteAllText(pub, SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "c").PublicKey + "\n");
            string dll = Path.Combine(AppContext.BaseDirectory, "sshkms.dll");
            var processes = Enumerable.Range(0, 3).Select(p =>
            {
                var psi = new ProcessStartInfo("bash")
                {
                    ArgumentList = { "-c", $"for i in $(seq 1 8); do dotnet '{dll}' cert new --ca local:concurrent --public-key - --principal p{p}-$i <'{pub}' >/dev/null || exit 1; done" },
                    RedirectStandardError = true,
                };
                psi.Environment["SSHKMS_HOME"] = home;
                return Process.Start(psi)!;
            }).ToList();

            var journal = new AuditJournal(Path.Combine(home, AuditJournal.DefaultFileName));
            Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => journal.Append(new AuditEvent("test.event", "op").With("n", i)));
            foreach (Process p in processes)
            {
                Assert.True(p.WaitForExit(180000));
                Assert.True(p.ExitCode == 0, p.StandardError.ReadToEnd());
            }

            AuditVerification ok = AuditChain.Verify(journal);
            Assert.Equal(224, ok.Lines);
            Assert.Equal(1, ok.ChainStart);
            Assert.Equal(24, journal.Read(new AuditFilter { Types = { AuditEvent.CertificateIssued } }).Count);
        }

        [Fact]
        public async Task ASealByTheCaKeyMakesRewritingTheLinesBeforeItNeedThatKey()
        {
            using var ca = new InMemorySigningKey(SshKeyAlgorithm.EcdsaP256, "seal-ca");
            AuditJournal journal = Journal(3);
            AuditSealInfo seal = await AuditSeal.SealAsync(journal, ca, "op", CancellationToken.None);
            journal.Append(new AuditEvent("test.event", "op").With("n", 4));
            Assert.Equal(4, seal.LineNumber);
            Assert.Equal(ca.PublicKey.Fingerprint, seal.Fingerprint);

            AuditVerification ok = AuditChain.Verify(journal, ca.PublicKey);
            Assert.Equal(4, Assert.Single(ok.Seals).LineNumber);
            Assert.Equal(1, ok.UnsealedLines);
            JsonElement sealLine = JsonDocument.Parse(Lines(journal)[3]).RootElement;
            Assert.Equal(AuditSeal.EventType, sealLine.GetProperty("type").GetString());
            Assert.Equal(Sha(Lines(journal)[2]), sealLine.GetProperty("head").GetString());
            Assert.Equal(3, sealLine.GetProperty("lines").GetInt32());

            // Edit line 2, re-chain everything after it and point the seal at the new head: without the CA key
            // the seal's signature no longer verifies.
            List<string> lines = Lines(journal);
            lines[1] = lines[1].Replace("\"n\":2", "\"n\":20");
            lines = Rechain(lines, 2);
            JsonObject forged = JsonNode.Parse(lines[3])!.AsObject();
            forged["head"] = Sha(lines[2]);
            lines[3] = forged.ToJsonString();
            Write(journal, Rechain(lines, 4));
            Assert.Contains("signature", Broken(journal, 4).Message);

            // A seal the tamperer makes with a key of their own verifies only against the key it names: pinning the
            // CA key (--ca) refuses it.
            lines = Lines(journal);
            lines.RemoveRange(3, 2);
            Write(journal, lines);
            using var other = new InMemorySigningKey(SshKeyAlgorithm.EcdsaP256, "not-the-ca");
            await AuditSeal.SealAsync(journal, other, "op", CancellationToken.None);
            Assert.Equal(other.PublicKey.Fingerprint, Assert.Single(AuditChain.Verify(journal).Seals).Fingerprint);
            var ex = Assert.Throws<SshKmsException>(() => AuditChain.Verify(journal, ca.PublicKey));
            Assert.Equal("AuditChainBroken", ex.ErrorId);
            Assert.Contains("not by the CA key", ex.Message);
        }

        [Fact]
        public async Task ABrokenChainIsNeverSealed()
        {
            using var ca = new InMemorySigningKey(SshKeyAlgorithm.EcdsaP256, "seal-ca");
            AuditJournal journal = Journal(3);
            List<string> lines = Lines(journal);
            lines.RemoveAt(1);
            Write(journal, lines);
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => AuditSeal.SealAsync(journal, ca, "op", CancellationToken.None));
            Assert.Equal("AuditChainBroken", ex.ErrorId);
            Assert.Equal(0, ca.SignCount);
        }

        [Fact]
        public void CliVerifyExitsZeroOnAnIntactChainAndOneNamingTheLineOtherwise()
        {
            AuditJournal journal = Journal(3);
            Tool.Result ok = Tool.Sshkms(new[] { "audit", "verify", "--journal", journal.Path });
            Assert.True(ok.ExitCode == 0, ok.Error);
            Assert.Contains("3 lines intact", ok.Output);
            Assert.Contains("No seal", ok.Output);

            // A corrupt line: `sshkms audit` still lists the rest with a warning, verify fails.
            File.AppendAllText(journal.Path, "not json\n");
            Tool.Result listed = Tool.Sshkms(new[] { "audit", "--journal", journal.Path });
            Assert.Equal(0, listed.ExitCode);
            Assert.Contains("[AuditJournalLineInvalid]", listed.Error);
            Tool.Result broken = Tool.Sshkms(new[] { "audit", "verify", "--journal", journal.Path });
            Assert.Equal(1, broken.ExitCode);
            Assert.Contains("broken at line 4", broken.Error);
            Assert.Contains("[AuditChainBroken]", broken.Error);
            Assert.DoesNotContain(" at SshKms", broken.Error);
        }

        [Fact]
        public void CliSealsWithALocalCaAndVerifyPinsTheCaKey()
        {
            string home = _tmp.File("seal-home");
            Directory.CreateDirectory(home);
            var env = new Dictionary<string, string?> { ["SSHKMS_HOME"] = home };
            Assert.Equal(0, Tool.Sshkms(new[] { "ca", "create", "--ca", "local:sealer" }, env).ExitCode);
            Assert.Equal(0, Tool.Sshkms(new[] { "ca", "create", "--ca", "local:other" }, env).ExitCode);
            AuditJournal journal = Journal(2);

            Tool.Result sealed_ = Tool.Sshkms(new[] { "audit", "seal", "--ca", "local:sealer", "--journal", journal.Path }, env);
            Assert.True(sealed_.ExitCode == 0, sealed_.Error);
            Assert.Contains("Sealed 2 lines", sealed_.Output);
            Tool.Result verified = Tool.Sshkms(new[] { "audit", "verify", "--ca", "local:sealer", "--journal", journal.Path }, env);
            Assert.True(verified.ExitCode == 0, verified.Error);
            Assert.Contains("Seal at line 3 by local:sealer", verified.Output);

            Tool.Result wrongKey = Tool.Sshkms(new[] { "audit", "verify", "--ca", "local:other", "--journal", journal.Path }, env);
            Assert.Equal(1, wrongKey.ExitCode);
            Assert.Contains("[AuditChainBroken]", wrongKey.Error);
        }

        [Fact]
        public async Task TextLinesEscapeControlCharactersSoAFieldCannotForgeALine()
        {
            var journal = new AuditJournal(_tmp.File("forge.jsonl"));
            const string forged = "root\n2026-11-30T23:59:59.000Z  certificate.issued  local:alice@vm  serial=1";
            journal.Append(new AuditEvent(AuditEvent.CertificateIssued, "op\u001b[2J").With("principals", new[] { forged, "tab\there" }).With("host", "a\\nb\r"));

            var text = await KeyPairSurfaceTests.Cli("audit", "--journal", journal.Path);
            Assert.Equal(0, text.Code);
            string line = Assert.Single(text.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("principals=root\\n2026-11-30T23:59:59.000Z  certificate.issued", line);
            Assert.Contains("op\\u001b[2J", line);
            Assert.Contains("tab\\there", line);
            Assert.Contains("host=a\\\\nb\\r", line);
            Assert.DoesNotContain('\u001b', line);
            Assert.DoesNotContain('\r', line);

            // The record's own text (for PowerShell views and string use) is the same escaped line.
            Assert.Equal(line, journal.Read().Single().ToString());

            // --json keeps the line as written (JSON escapes it already).
            var json = await KeyPairSurfaceTests.Cli("audit", "--journal", journal.Path, "--json");
            Assert.Equal(forged, JsonDocument.Parse(json.Out.Trim()).RootElement.GetProperty("principals")[0].GetString());
        }

        [Theory]
        [InlineData("under-a-file")]
        [InlineData("/dev/full")]
        public async Task AnUnwritableJournalStopsTheCertificateBeforeTheKmsSign(string where)
        {
            string path = where == "/dev/full" ? "/dev/full" : Path.Combine(_tmp.File("a-file"), "audit.jsonl");
            File.WriteAllText(_tmp.File("a-file"), "x");
            using var key = new InMemorySigningKey(SshKeyAlgorithm.EcdsaP256, "unwritable");
            var ca = new CertificateAuthority(key, "op", new CertificatePolicy(), new AuditJournal(path));
            var request = new CertificateRequest(SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519).PublicKey);
            request.Principals.Add("alice");

            var ex = await Assert.ThrowsAsync<SshKmsException>(() => ca.IssueAsync(request, CancellationToken.None));
            Assert.Equal("AuditJournalWriteFailed", ex.ErrorId);
            Assert.Equal(0, key.SignCount);
        }

        [Fact]
        public async Task AFullDiskIsRefusedBeforeTheKmsSignWithNothingWritten()
        {
            // A real full file system: a 64 KiB tmpfs (tests run as root), filled up.
            string mount = _tmp.File("tiny");
            Directory.CreateDirectory(mount);
            Tool.Result mounted = Tool.Run("mount", new[] { "-t", "tmpfs", "-o", "size=64k", "tmpfs", mount });
            Assert.True(mounted.ExitCode == 0, "this test mounts a tmpfs and needs root: " + mounted.Error);
            try
            {
                var journal = new AuditJournal(Path.Combine(mount, "audit.jsonl"));
                journal.Append(new AuditEvent("test.event", "op"));
                Tool.Run("dd", new[] { "if=/dev/zero", "of=" + Path.Combine(mount, "filler"), "bs=4k" });
                long before = new FileInfo(journal.Path).Length;
                using var key = new InMemorySigningKey(SshKeyAlgorithm.EcdsaP256, "full-disk");
                var ca = new CertificateAuthority(key, "op", new CertificatePolicy(), journal);
                var request = new CertificateRequest(SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519).PublicKey);
                request.Principals.Add("alice");

                var ex = await Assert.ThrowsAsync<SshKmsException>(() => ca.IssueAsync(request, CancellationToken.None));
                Assert.Equal("AuditJournalWriteFailed", ex.ErrorId);
                Assert.Contains("no space left", ex.Message);
                Assert.Equal(0, key.SignCount);
                Assert.Equal(before, new FileInfo(journal.Path).Length);
                AuditChain.Verify(journal);
            }
            finally
            {
                Tool.Run("umount", new[] { mount });
            }
        }

        [Fact]
        public void CliCertNewWithAJournalOnAFullDeviceFailsAndWritesNoCertificate()
        {
            string home = _tmp.File("full-home");
            Directory.CreateDirectory(home);
            var env = new Dictionary<string, string?> { ["SSHKMS_HOME"] = home };
            Assert.Equal(0, Tool.Sshkms(new[] { "ca", "create", "--ca", "local:full" }, env).ExitCode);
            File.CreateSymbolicLink(Path.Combine(home, AuditJournal.DefaultFileName), "/dev/full");
            string pub = _tmp.File("id_full.pub");
            File.WriteAllText(pub, SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "f").PublicKey + "\n");

            Tool.Result r = Tool.Sshkms(new[] { "cert", "new", "--ca", "local:full", "--public-key", pub, "--principal", "alice" }, env);
            Assert.Equal(1, r.ExitCode);
            Assert.Contains("[AuditJournalWriteFailed]", r.Error);
            Assert.False(File.Exists(_tmp.File("id_full-cert.pub")));
            Assert.Equal(string.Empty, r.Output);
        }
    }
}
