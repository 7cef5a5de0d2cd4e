using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using SshKms.Core.Revocation;

namespace SshKms.Cli.Commands
{
    /// <summary>`sshkms revoke`, `sshkms krl show` and `sshkms krl check`: options in, the revocation operations' results out.</summary>
    internal static class RevocationCommands
    {
        public static IEnumerable<CliCommand> All => new[]
        {
            new CliCommand("revoke",
                "sshkms revoke        --ca URI (--serial N | --serial N-M | --key-id ID | --public-key PATH | --principal NAME)... [--krl PATH] [--json]",
                new[]
                {
                    new OptionSpec("ca"), OptionSpec.Many("serial"), OptionSpec.Many("key-id"), OptionSpec.Many("public-key"), OptionSpec.Many("principal"),
                    new OptionSpec("krl"), OptionSpec.Flag("json"),
                },
                RevokeAsync),
            new CliCommand("krl show", "sshkms krl show      [PATH] [--ca URI] [--json]", new[] { new OptionSpec("ca"), OptionSpec.Flag("json") }, ShowAsync, minPositionals: 0, maxPositionals: 1),
            new CliCommand("krl check", "sshkms krl check     PATH KEY_OR_CERT...", new OptionSpec[0], CheckAsync, minPositionals: 2, maxPositionals: int.MaxValue),
        };

        private static async Task<int> RevokeAsync(CliInvocation inv)
        {
            RevokeCertificateResult r = await RevokeCertificateOperation.RunAsync(
                new RevokeCertificateOptions
                {
                    CaKey = inv.Get("ca"),
                    Serials = inv.GetAll("serial").ToArray(),
                    KeyIds = inv.GetAll("key-id").ToArray(),
                    PublicKeyPaths = inv.GetAll("public-key").ToArray(),
                    Principals = inv.GetAll("principal").ToArray(),
                    KrlPath = inv.Get("krl"),
                    Aws = inv.Aws,
                },
                default).ConfigureAwait(false);
            if (inv.Has("json"))
            {
                inv.Out.WriteLine(Json(w =>
                {
                    w.WriteString("krlPath", r.KrlPath);
                    w.WriteString("signaturePath", r.SignaturePath);
                    w.WriteNumber("krlVersion", r.KrlVersion);
                    w.WriteString("caKey", r.CaKey);
                    w.WriteString("caFingerprint", r.CaFingerprint);
                    w.WriteBoolean("changed", r.Changed);
                    WriteEntries(w, "added", r.Added);
                }));
                return 0;
            }

            foreach (RevocationEntry e in r.Added)
            {
                inv.Out.WriteLine($"{e.Kind}: {e.Value}");
            }

            inv.Err.WriteLine(r.Changed
                ? $"Revoked {r.Added.Count} more in {r.KrlPath} (version {r.KrlVersion}); signature {r.SignaturePath}."
                : $"Already revoked: {r.KrlPath} is unchanged (version {r.KrlVersion}).");
            return 0;
        }

        private static async Task<int> ShowAsync(CliInvocation inv)
        {
            RevocationList list = await ReadRevocationListOperation.RunAsync(
                new ReadRevocationListOptions { Path = inv.Positionals.FirstOrDefault(), CaKey = inv.Get("ca") }, default).ConfigureAwait(false);
            if (!inv.Has("json"))
            {
                inv.Out.Write(list.Listing);
                return 0;
            }

            inv.Out.WriteLine(Json(w =>
            {
                w.WriteString("path", list.Path);
                w.WriteNumber("version", list.Version);
                w.WriteString("generated", list.Generated);
                w.WriteString("comment", list.Comment);
                WriteEntries(w, "entries", list.Entries);
            }));
            return 0;
        }

        /// <summary>Prints "PATH: REVOKED (why)" or "PATH: ok" per file and exits 1 when any is revoked, as `ssh-keygen -Q` does.</summary>
        private static async Task<int> CheckAsync(CliInvocation inv)
        {
            IReadOnlyList<RevocationCheck> checks = await TestRevocationOperation.RunAsync(
                new TestRevocationOptions { KrlPath = inv.Positionals[0], Paths = inv.Positionals.Skip(1).ToArray() }, default).ConfigureAwait(false);
            foreach (RevocationCheck c in checks)
            {
                inv.Out.WriteLine(c.Revoked ? $"{c.Path}: REVOKED ({c.Reason})" : $"{c.Path}: ok");
            }

            return checks.Any(c => c.Revoked) ? 1 : 0;
        }

        private static void WriteEntries(Utf8JsonWriter w, string name, IReadOnlyList<RevocationEntry> entries)
        {
            w.WriteStartArray(name);
            foreach (RevocationEntry e in entries)
            {
                w.WriteStartObject();
                w.WriteString("kind", e.Kind);
                w.WriteString("value", e.Value);
                w.WriteString("caKeyType", e.CaKeyType);
                w.WriteString("caFingerprint", e.CaFingerprint);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        private static string Json(System.Action<Utf8JsonWriter> body)
        {
            using (var buffer = new MemoryStream())
            {
                using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                {
                    w.WriteStartObject();
                    body(w);
                    w.WriteEndObject();
                }

                return Encoding.UTF8.GetString(buffer.ToArray());
            }
        }
    }
}
