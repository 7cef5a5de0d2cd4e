using System;
using System.Collections.Generic;
using System.Linq;
using System.Globalization;
using System.IO;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Authority;
using SshKms.Core.Aws;
using SshKms.Core.OpenSsh;

namespace SshKms.Cli.Commands
{
    /// <summary>`sshkms cert new` and `sshkms cert show`.</summary>
    internal static class CertCommands
    {
        private const string NewUsage =
            "sshkms cert new      --ca URI [--create] (--public-key PATH|- | --out PATH) [--principal NAME]... [--type user|host] [--validity 15m] " +
            "[--key-id TEMPLATE] [--serial N] [--option force-command=CMD | --option source-address=CIDRS | --option verify-required]... " +
            "[--extension NAME]... [--no-extensions] [--any-principal] [--backdate 5m] [--rsa-sha256] [--json]";

        public static IEnumerable<CliCommand> All => new[]
        {
            new CliCommand("cert new", NewUsage,
                new[]
                {
                    new OptionSpec("ca"), OptionSpec.Flag("create"), new OptionSpec("public-key"), new OptionSpec("out"), OptionSpec.Many("principal"), new OptionSpec("type"),
                    new OptionSpec("validity"), new OptionSpec("key-id"), new OptionSpec("serial"), OptionSpec.Many("option"), OptionSpec.Many("extension"),
                    OptionSpec.Flag("no-extensions"), OptionSpec.Flag("any-principal"), new OptionSpec("backdate"), OptionSpec.Flag("rsa-sha256"), OptionSpec.Flag("json"),
                },
                NewAsync),
            new CliCommand("cert show", "sshkms cert show     PATH|- [--json]", new[] { OptionSpec.Flag("json") }, ShowAsync, minPositionals: 1, maxPositionals: 1),
        };

        private static async Task<int> NewAsync(CliInvocation inv)
        {
            string? publicKeyPath = inv.Get("public-key");
            string? outPath = inv.Get("out");
            if (publicKeyPath == null && outPath == null)
            {
                throw new SshKmsException("CliUsage", SshKmsErrorCategory.InvalidArgument, $"give --public-key PATH|- or --out PATH. Usage: {NewUsage}");
            }

            string type = inv.Get("type") ?? "user";
            var options = new IssueCertificateOptions
            {
                CaKey = inv.Get("ca"),
                CreateCaKey = inv.Has("create"),
                PublicKeyPath = publicKeyPath == "-" ? null : publicKeyPath,
                PublicKeyStream = publicKeyPath == "-" ? inv.Console.OpenIn() : null,
                // --out alone makes a new key pair there; beside --public-key it is where the certificate goes.
                NewKeyPairPath = publicKeyPath == null ? outPath : null,
                CertificatePath = publicKeyPath == null ? null : outPath,
                Type = type == "user" ? SshCertificateType.User
                    : type == "host" ? SshCertificateType.Host
                    : throw new SshKmsException("CliOptionInvalid", SshKmsErrorCategory.InvalidArgument, $"--type takes user or host, not '{type}'."),
                Principals = inv.GetAll("principal").ToArray(),
                AnyPrincipal = inv.Has("any-principal"),
                Validity = inv.Get("validity") is string v ? ValidityParser.Parse(v) : (TimeSpan?)null,
                Backdate = inv.Get("backdate") is string b ? ValidityParser.Parse(b) : (TimeSpan?)null,
                KeyId = inv.Get("key-id"),
                Serial = Serial(inv.Get("serial")),
                Extensions = inv.Has("extension") ? inv.GetAll("extension").ToArray() : null,
                NoExtensions = inv.Has("no-extensions"),
                CriticalOptions = inv.GetAll("option").ToArray(),
                RsaSha256 = inv.Has("rsa-sha256"),
                Aws = inv.Aws,
            };

            IssuedCertificate issued = await IssueCertificateOperation.RunAsync(options, default).ConfigureAwait(false);
            inv.WarnIfCreated(issued.CreatedCaKey);
            SshCertificate cert = issued.Certificate;
            if (inv.Has("json"))
            {
                inv.Out.WriteLine(new CertificateInfo(cert, issued.CertificatePath).ToJson());
            }
            else if (issued.CertificatePath == null)
            {
                inv.Out.WriteLine(cert.ToString());
            }
            else
            {
                inv.Err.WriteLine($"Wrote {issued.CertificatePath}: serial {cert.Serial}, key id \"{cert.KeyId}\", valid until {cert.ValidTo:u}.");
            }

            return 0;
        }

        private static Task<int> ShowAsync(CliInvocation inv)
        {
            string source = inv.Positionals[0];
            CertificateInfo info = ShowCertificateOperation.Run(source == "-"
                ? new ShowCertificateOptions { Stream = inv.Console.OpenIn() }
                : new ShowCertificateOptions { Path = source });
            if (inv.Has("json"))
            {
                inv.Out.WriteLine(info.ToJson());
            }
            else
            {
                WriteText(inv.Out, info);
            }

            return Task.FromResult(0);
        }

        private static ulong? Serial(string? serial) => serial == null ? (ulong?)null
            : ulong.TryParse(serial, NumberStyles.None, CultureInfo.InvariantCulture, out ulong s)
                ? s
                : throw new SshKmsException("CliOptionInvalid", SshKmsErrorCategory.InvalidArgument, $"--serial takes a whole number up to 2^64-1, not '{serial}'.");

        private static void WriteText(TextWriter w, CertificateInfo c)
        {
            w.WriteLine($"Type: {c.PublicKeyType}-cert {c.Type.ToLowerInvariant()} certificate");
            w.WriteLine($"Public key: {c.PublicKeyFingerprint}");
            w.WriteLine($"Signing CA: {c.SigningCaKeyType} {c.SigningCaFingerprint} (using {c.SignatureAlgorithm})");
            w.WriteLine($"Key ID: \"{c.KeyId}\"");
            w.WriteLine($"Serial: {c.Serial}");
            w.WriteLine($"Valid: from {c.ValidFrom:u} to {(c.ValidTo.HasValue ? c.ValidTo.Value.ToString("u", CultureInfo.InvariantCulture) : "forever")}");
            w.WriteLine($"Principals: {(c.Principals.Length == 0 ? "(any)" : string.Join(", ", c.Principals))}");
            w.WriteLine($"Critical options: {(c.CriticalOptions.Count == 0 ? "(none)" : string.Join(", ", FormatOptions(c.CriticalOptions)))}");
            w.WriteLine($"Extensions: {(c.Extensions.Length == 0 ? "(none)" : string.Join(", ", c.Extensions))}");
        }

        private static IEnumerable<string> FormatOptions(IDictionary<string, string> options)
        {
            foreach (var o in options)
            {
                yield return o.Value.Length == 0 ? o.Key : o.Key + " " + o.Value;
            }
        }
    }
}
