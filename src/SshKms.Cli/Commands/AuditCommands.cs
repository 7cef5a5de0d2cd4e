using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Audit;
using SshKms.Core.Authority;

namespace SshKms.Cli.Commands
{
    /// <summary>sshkms audit: the journal's events, filtered, as text lines or as the journal's own JSON lines; verify and seal its chain.</summary>
    internal static class AuditCommands
    {
        public static IEnumerable<CliCommand> All => new[]
        {
            new CliCommand("audit",
                "sshkms audit [--type TYPE]... [--since 1h|TIME] [--until 1h|TIME] [--operator PATTERN] [--serial N] [--host H] [--secret-id ID] [--last N] [--journal PATH] [--json]",
                new[]
                {
                    OptionSpec.Many("type"), new OptionSpec("since"), new OptionSpec("until"), new OptionSpec("operator"), new OptionSpec("serial"),
                    new OptionSpec("host"), new OptionSpec("secret-id"), new OptionSpec("last"), new OptionSpec("journal"), OptionSpec.Flag("json"),
                },
                RunAsync),
            new CliCommand("audit verify", "sshkms audit verify [--journal PATH] [--ca URI]",
                new[] { new OptionSpec("journal"), new OptionSpec("ca") }, VerifyAsync),
            new CliCommand("audit seal", "sshkms audit seal   --ca URI [--journal PATH]",
                new[] { new OptionSpec("journal"), new OptionSpec("ca") }, SealAsync),
            new CliCommand("audit cloudtrail", "sshkms audit cloudtrail --ca URI [--since 1d|TIME] [--until TIME] [--journal PATH] [--json]",
                new[] { new OptionSpec("ca"), new OptionSpec("since"), new OptionSpec("until"), new OptionSpec("journal"), OptionSpec.Flag("json") }, CloudTrailAsync),
        };

        /// <summary>
        /// The CA key's KMS Sign events from CloudTrail, each with its journal line; exit 1 (AuditSignatureNotInJournal)
        /// when any signature is not in the journal, so a scheduled check can alert on it.
        /// </summary>
        private static async Task<int> CloudTrailAsync(CliInvocation inv)
        {
            DateTimeOffset now = DateTimeOffset.UtcNow;
            IReadOnlyList<CloudTrailSignature> signatures = await CloudTrailAuditOperation.RunAsync(new CloudTrailAuditOptions
            {
                JournalPath = inv.Get("journal"),
                CaKey = inv.Require("ca"),
                Since = Time(inv, "since", now),
                Until = Time(inv, "until", now),
                Aws = inv.Aws,
            }, default).ConfigureAwait(false);
            foreach (CloudTrailSignature s in signatures)
            {
                inv.Out.WriteLine(inv.Has("json")
                    ? System.Text.Json.JsonSerializer.Serialize(new
                    {
                        time = s.Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                        requestId = s.RequestId,
                        caller = s.Caller,
                        keyId = s.KeyId,
                        eventId = s.EventId,
                        inJournal = s.InJournal,
                        line = s.LineNumber,
                        type = s.JournalType,
                        serial = s.Serial,
                    })
                    : string.Join("  ", s.Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), AuditText.Escape(s.RequestId), AuditText.Escape(s.Caller),
                        s.InJournal ? $"journal line {s.LineNumber} {AuditText.Escape(s.JournalType ?? string.Empty)}" + (s.Serial.HasValue ? $" serial={s.Serial}" : string.Empty)
                            : "NOT IN JOURNAL: signed outside SshKms (or its line was deleted)"));
            }

            int outside = signatures.Count(s => !s.InJournal);
            if (outside > 0)
            {
                inv.Err.WriteLine($"sshkms: {outside} of {signatures.Count} KMS signatures by the CA key are not in the journal. [AuditSignatureNotInJournal]");
                return 1;
            }

            return 0;
        }

        /// <summary>Exit 0 and a summary on an intact chain; AuditChainBroken (exit 1) naming the first bad line otherwise.</summary>
        private static async Task<int> VerifyAsync(CliInvocation inv)
        {
            AuditVerification result = await VerifyAuditOperation.RunAsync(
                new VerifyAuditOptions { JournalPath = inv.Get("journal"), CaKey = inv.Get("ca"), Aws = inv.Aws }, default).ConfigureAwait(false);
            inv.Out.WriteLine($"{result.Path}: {result.Lines} lines intact, head {result.Head}.");
            if (result.ChainStart == null)
            {
                inv.Out.WriteLine(result.Lines == 0 ? "The journal is empty." : "No line carries a chain hash: every line predates the chain and none is protected.");
            }
            else if (result.UnchainedLines > 0)
            {
                inv.Out.WriteLine($"The chain begins at line {result.ChainStart}; lines 1 to {result.UnchainedLines} predate it and are not protected.");
            }

            foreach (AuditSealInfo seal in result.Seals)
            {
                inv.Out.WriteLine($"Seal at line {seal.LineNumber} by {AuditText.Escape(seal.CaKey)} {seal.Fingerprint}: valid.");
            }

            inv.Out.WriteLine(result.Seals.Count == 0
                ? "No seal: anyone who can write the file can rewrite it whole. Seal it with `sshkms audit seal --ca URI`."
                : $"{result.UnsealedLines} lines after the last seal.");
            if (!inv.Has("ca") && result.Seals.Count > 0)
            {
                inv.Out.WriteLine("The seals were checked against the keys they name; give --ca to require your CA key.");
            }

            return 0;
        }

        private static async Task<int> SealAsync(CliInvocation inv)
        {
            AuditSealInfo seal = await SealAuditOperation.RunAsync(
                new SealAuditOptions { JournalPath = inv.Get("journal"), CaKey = inv.Get("ca"), Aws = inv.Aws }, default).ConfigureAwait(false);
            inv.Out.WriteLine($"Sealed {seal.LineNumber - 1} lines of {seal.JournalPath} at line {seal.LineNumber}: head {seal.Head}, signed by {AuditText.Escape(seal.CaKey)} {seal.Fingerprint}.");
            return 0;
        }

        private static Task<int> RunAsync(CliInvocation inv)
        {
            DateTimeOffset now = DateTimeOffset.UtcNow;
            var filter = new AuditFilter
            {
                Since = Time(inv, "since", now),
                Until = Time(inv, "until", now),
                Operator = inv.Get("operator"),
                Serial = Serial(inv.Get("serial")),
                HostName = inv.Get("host"),
                SecretId = inv.Get("secret-id"),
                Last = inv.GetInt("last"),
            };
            foreach (string type in inv.GetAll("type"))
            {
                filter.Types.Add(type);
            }

            ReadAuditResult result = ReadAuditOperation.Run(new ReadAuditOptions { JournalPath = inv.Get("journal"), Filter = filter });
            foreach (SshKmsException invalid in result.InvalidLines)
            {
                inv.Err.WriteLine($"sshkms: {invalid.Message} [{invalid.ErrorId}]");
            }

            bool json = inv.Has("json");
            foreach (AuditRecord record in result.Records)
            {
                inv.Out.WriteLine(json ? record.Json : AuditText.Line(record));
            }

            return Task.FromResult(0);
        }

        /// <summary>A duration back from now ("15m", "2d") or a point in time ("2026-11-27T03:00:00Z").</summary>
        private static DateTimeOffset? Time(CliInvocation inv, string name, DateTimeOffset now)
        {
            string? text = inv.Get(name);
            if (text == null)
            {
                return null;
            }

            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset at))
            {
                return at;
            }

            try
            {
                return now - ValidityParser.Parse(text);
            }
            catch (SshKmsException)
            {
                throw new SshKmsException("CliOptionInvalid", SshKmsErrorCategory.InvalidArgument,
                    $"--{name} takes a duration back from now (15m, 2h, 7d) or a time (2026-11-27T03:00:00Z), not '{text}'.");
            }
        }

        private static ulong? Serial(string? text)
        {
            if (text == null)
            {
                return null;
            }

            return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong serial)
                ? serial
                : throw new SshKmsException("CliOptionInvalid", SshKmsErrorCategory.InvalidArgument, $"--serial takes a certificate serial number, not '{text}'.");
        }
    }
}
