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
    /// <summary>sshkms audit: the journal's events, filtered, as text lines or as the journal's own JSON lines.</summary>
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
        };

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

            string? path = inv.Get("journal");
            AuditJournal journal = path == null ? AuditJournal.Default() : AuditJournal.Existing(path);

            bool json = inv.Has("json");
            foreach (AuditRecord record in journal.Read(filter, ex => inv.Err.WriteLine($"sshkms: {ex.Message} [{ex.ErrorId}]")))
            {
                inv.Out.WriteLine(json ? record.Json : Line(record));
            }

            return Task.FromResult(0);
        }

        /// <summary>time, type, operator, then the fields that have a value as name=value.</summary>
        private static string Line(AuditRecord r) =>
            string.Join("  ", new[] { r.Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture), r.Type, r.Operator }
                .Concat(new[] { string.Join(" ", r.Fields.Where(f => f.Value != null).Select(f => f.Key + "=" + Text(f.Value))) }));

        private static string Text(object? value) =>
            value is IEnumerable<string> list && !(value is string) ? string.Join(",", list) : Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;

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
