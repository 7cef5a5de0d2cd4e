using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Authority;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;

namespace SshKms.Cli
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

            CertificateRequest request;
            SshPrivateKey? generated = null;
            try
            {
                if (publicKeyPath == "-")
                {
                    request = new CertificateRequest(SshPublicKey.Parse(ReadAll(inv.Console.OpenIn())));
                }
                else if (publicKeyPath != null)
                {
                    if (!File.Exists(publicKeyPath))
                    {
                        throw new SshKmsException("PublicKeyFileNotFound", SshKmsErrorCategory.ObjectNotFound, $"No public key file at {publicKeyPath}.");
                    }

                    request = new CertificateRequest(SshPublicKey.Parse(File.ReadAllText(publicKeyPath)));
                }
                else
                {
                    // Like `step ssh certificate`: a fresh key pair, the private half only in the file the user named.
                    generated = SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, Path.GetFileName(outPath) ?? string.Empty);
                    request = new CertificateRequest(generated.PublicKey);
                }

                Shape(request, inv);
                string? certPath = generated != null ? CertificatePaths.CertificatePathFor(outPath!)
                    : outPath ?? (publicKeyPath == "-" ? null : CertificatePaths.CertificatePathFor(publicKeyPath!));
                if (generated != null)
                {
                    CertificatePaths.EnsureWritable(outPath!, mustNotExist: true);
                    CertificatePaths.EnsureWritable(outPath + ".pub");
                }

                if (certPath != null)
                {
                    CertificatePaths.EnsureWritable(certPath);
                }

                CertificateAuthority ca = await CertificateAuthority.OpenAsync(KeyUri.ParseOrDefaultCa(inv.Get("ca")), inv.Has("create"), inv.Aws, default).ConfigureAwait(false);
                inv.WarnIfCreated(ca.CreatedKey);
                SshCertificate cert = await ca.IssueAsync(request, default).ConfigureAwait(false);

                if (generated != null)
                {
                    OwnerOnly.WriteAllText(outPath!, generated.ToOpenSshFormat());
                    File.WriteAllText(outPath + ".pub", generated.PublicKey + "\n");
                }

                if (certPath != null)
                {
                    CertificatePaths.WriteCertificate(certPath, cert);
                }

                if (inv.Has("json"))
                {
                    inv.Out.WriteLine(new CertificateInfo(cert, certPath == null ? null : Path.GetFullPath(certPath)).ToJson());
                }
                else if (certPath == null)
                {
                    inv.Out.WriteLine(cert.ToString());
                }
                else
                {
                    inv.Err.WriteLine($"Wrote {certPath}: serial {cert.Serial}, key id \"{cert.KeyId}\", valid until {cert.ValidTo:u}.");
                }

                return 0;
            }
            finally
            {
                generated?.Dispose();
            }
        }

        private static Task<int> ShowAsync(CliInvocation inv)
        {
            string source = inv.Positionals[0];
            CertificateInfo info = source == "-"
                ? new CertificateInfo(SshCertificate.Parse(ReadAll(inv.Console.OpenIn())))
                : CertificateInfo.FromFile(source);
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

        private static void Shape(CertificateRequest request, CliInvocation inv)
        {
            foreach (string p in inv.GetAll("principal"))
            {
                request.Principals.Add(p);
            }

            string type = inv.Get("type") ?? "user";
            request.Type = type == "user" ? SshCertificateType.User
                : type == "host" ? SshCertificateType.Host
                : throw new SshKmsException("CliOptionInvalid", SshKmsErrorCategory.InvalidArgument, $"--type takes user or host, not '{type}'.");
            request.AnyPrincipal = inv.Has("any-principal");
            request.Validity = inv.Get("validity") is string v ? ValidityParser.Parse(v) : (TimeSpan?)null;
            request.Backdate = inv.Get("backdate") is string b ? ValidityParser.Parse(b) : TimeSpan.Zero;
            request.KeyIdTemplate = inv.Get("key-id");
            if (inv.Get("serial") is string serial)
            {
                request.Serial = ulong.TryParse(serial, NumberStyles.None, CultureInfo.InvariantCulture, out ulong s)
                    ? s
                    : throw new SshKmsException("CliOptionInvalid", SshKmsErrorCategory.InvalidArgument, $"--serial takes a whole number up to 2^64-1, not '{serial}'.");
            }

            if (inv.Has("extension"))
            {
                request.Extensions = new List<string>(inv.GetAll("extension"));
            }

            request.NoExtensions = inv.Has("no-extensions");
            request.RsaSha256 = inv.Has("rsa-sha256");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (string option in inv.GetAll("option"))
            {
                int eq = option.IndexOf('=');
                string name = eq < 0 ? option : option.Substring(0, eq);
                string? value = eq < 0 ? null : option.Substring(eq + 1);
                if (!seen.Add(name))
                {
                    // A certificate carries each critical option once (sshd refuses two); keeping only the last would drop a restriction silently.
                    throw new SshKmsException("CertificateOptionRepeated", SshKmsErrorCategory.InvalidArgument,
                        $"--option {CertificatePolicy.Printable(name)} was given more than once; give each critical option once (source-address takes a comma-separated list).");
                }

                switch (name)
                {
                    case "force-command" when value != null: request.ForceCommand = value; break;
                    case "source-address" when value != null: request.SourceAddress = value; break;
                    case "verify-required" when value == null: request.VerifyRequired = true; break;
                    default:
                        throw new SshKmsException("CertificateOptionInvalid", SshKmsErrorCategory.InvalidArgument,
                            $"Unknown critical option '{option}': use force-command=CMD, source-address=CIDRS or verify-required.");
                }
            }
        }

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

        private static string ReadAll(Stream stream)
        {
            using (var reader = new StreamReader(stream, new UTF8Encoding(false)))
            {
                return reader.ReadToEnd();
            }
        }
    }
}
