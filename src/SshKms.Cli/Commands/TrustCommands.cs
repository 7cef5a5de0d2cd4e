using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using SshKms.Core.Trust;

namespace SshKms.Cli.Commands
{
    /// <summary>sshkms trust: CA trust in sshd_config (set, show, test, remove) and the client's @cert-authority line.</summary>
    internal static class TrustCommands
    {
        public static IEnumerable<CliCommand> All => new[]
        {
            new CliCommand("trust set",
                "sshkms trust set     --ca URI... [--sshd-config PATH] [--principals USER=NAME[,NAME]...]... [--revoked-keys KRL] [--host-certificate [--host-principal NAME]... [--host-ca URI]] [--no-reload] [--dry-run] [--sshd PATH] [--json] "
                + "[--node [USER@]HOST[:PORT]... [--login-ca URI | --secret-id ID] [--user U] [--port P] [--accept-new-host-key] [--ssh-option KEY=VALUE]... [--ssh-config FILE] [--transport auto|openssh|managed] [--revoked-host-keys FILE] | --ssm-tag KEY=VALUE | --instance-id ID...] [--parallel N]",
                new[]
                {
                    OptionSpec.Many("ca"), new OptionSpec("sshd-config"), OptionSpec.Many("principals"), new OptionSpec("revoked-keys"),
                    OptionSpec.Flag("host-certificate"), OptionSpec.Many("host-principal"), new OptionSpec("host-ca"), OptionSpec.Flag("no-reload"),
                    OptionSpec.Flag("dry-run"), new OptionSpec("sshd"), OptionSpec.Flag("json"),
                    OptionSpec.Many("node"), new OptionSpec("ssm-tag"), OptionSpec.Many("instance-id"), new OptionSpec("login-ca"), new OptionSpec("secret-id"),
                    new OptionSpec("user"), new OptionSpec("port"), OptionSpec.Flag("accept-new-host-key"), OptionSpec.Many("ssh-option"), new OptionSpec("ssh-config"),
                    new OptionSpec("transport"), new OptionSpec("revoked-host-keys"), new OptionSpec("parallel"),
                },
                SetAsync),
            new CliCommand("trust show", "sshkms trust show    [--sshd-config PATH] [--json]",
                new[] { new OptionSpec("sshd-config"), OptionSpec.Flag("json") }, ShowAsync),
            new CliCommand("trust test", "sshkms trust test    [--ca URI]... [--sshd-config PATH] [--user USER] [--sshd PATH] [--json]",
                new[] { OptionSpec.Many("ca"), new OptionSpec("sshd-config"), new OptionSpec("user"), new OptionSpec("sshd"), OptionSpec.Flag("json") }, TestAsync),
            new CliCommand("trust remove", "sshkms trust remove  --ca URI [--sshd-config PATH] [--no-reload] [--dry-run] [--sshd PATH] [--json]",
                new[] { new OptionSpec("ca"), new OptionSpec("sshd-config"), OptionSpec.Flag("no-reload"), OptionSpec.Flag("dry-run"), new OptionSpec("sshd"), OptionSpec.Flag("json") },
                RemoveAsync),
            new CliCommand("trust known-hosts", "sshkms trust known-hosts --ca URI --host-pattern PATTERN [--known-hosts PATH] [--dry-run]",
                new[] { new OptionSpec("ca"), new OptionSpec("host-pattern"), new OptionSpec("known-hosts"), OptionSpec.Flag("dry-run") }, KnownHostsAsync),
        };

        private static async Task<int> SetAsync(CliInvocation inv)
        {
            var options = new SetCaTrustOptions
            {
                CaKeys = inv.GetAll("ca").ToArray(),
                SshdConfig = inv.Get("sshd-config"),
                Principals = inv.GetAll("principals").ToArray(),
                RevokedKeys = inv.Get("revoked-keys"),
                HostCertificate = inv.Has("host-certificate"),
                HostPrincipals = inv.GetAll("host-principal").ToArray(),
                HostCaKey = inv.Get("host-ca"),
                NoReload = inv.Has("no-reload"),
                SshdPath = inv.Get("sshd"),
                Nodes = inv.GetAll("node").ToArray(),
                SsmTag = inv.Get("ssm-tag"),
                InstanceIds = inv.GetAll("instance-id").ToArray(),
                LoginCaKey = inv.Get("login-ca"),
                SecretId = inv.Get("secret-id"),
                UserName = inv.Get("user"),
                Port = inv.GetInt("port"),
                AcceptNewHostKey = inv.Has("accept-new-host-key"),
                SshOptions = inv.GetPairs("ssh-option").ToList(),
                SshConfigFile = inv.Get("ssh-config"),
                RevokedHostKeys = SessionCommands.RevokedHostKeysOf(inv),
                Transport = SessionCommands.TransportOf(inv),
                Parallel = inv.GetInt("parallel"),
                Aws = inv.Aws,
            };
            if (options.IsRemote)
            {
                // One result per node; a node that failed is named on stderr with its error and the exit code is 1.
                IReadOnlyList<CaTrustResult> results = await SetCaTrustOperation.RunOnNodesAsync(options, inv.Has("dry-run"), default).ConfigureAwait(false);
                foreach (CaTrustResult r in results)
                {
                    Write(inv, r);
                }

                return results.Any(r => r.ErrorId != null) ? 1 : 0;
            }

            SetCaTrustOperation plan = await SetCaTrustOperation.PlanAsync(options, default).ConfigureAwait(false);
            Write(inv, inv.Has("dry-run") ? plan.WhatIf() : await plan.ApplyAsync(default).ConfigureAwait(false));
            return 0;
        }

        private static async Task<int> RemoveAsync(CliInvocation inv)
        {
            var options = new RemoveCaTrustOptions
            {
                CaKey = inv.Get("ca"),
                SshdConfig = inv.Get("sshd-config"),
                NoReload = inv.Has("no-reload"),
                SshdPath = inv.Get("sshd"),
                Aws = inv.Aws,
            };
            RemoveCaTrustOperation plan = await RemoveCaTrustOperation.PlanAsync(options, default).ConfigureAwait(false);
            if (inv.Has("dry-run"))
            {
                inv.Out.Write(string.Concat(plan.Changes.Select(c => c.Diff)));
                return 0;
            }

            Write(inv, await plan.ApplyAsync(default).ConfigureAwait(false));
            return 0;
        }

        private static async Task<int> ShowAsync(CliInvocation inv)
        {
            CaTrustInfo info = await GetCaTrustOperation.RunAsync(new GetCaTrustOptions { SshdConfig = inv.Get("sshd-config") }, default).ConfigureAwait(false);
            if (inv.Has("json"))
            {
                inv.Out.WriteLine(JsonSerializer.Serialize(new
                {
                    sshdConfig = info.SshdConfig,
                    placement = info.Placement,
                    directivesFile = info.DirectivesFile,
                    caKeys = info.CaKeys.Select(k => new { keyUri = k.KeyUri, keyType = k.KeyType, fingerprint = k.Fingerprint }),
                    principals = info.Principals.ToDictionary(p => p.User, p => p.Principals),
                    revokedKeys = info.RevokedKeys,
                    hostCertificates = info.HostCertificates,
                }));
                return 0;
            }

            inv.Out.WriteLine($"{info.SshdConfig}: {info.Placement}{(info.DirectivesFile != null ? " (" + info.DirectivesFile + ")" : string.Empty)}");
            foreach (TrustedCaKey k in info.CaKeys)
            {
                inv.Out.WriteLine($"  CA {k.Fingerprint} {k.KeyType} {k.KeyUri}");
            }

            foreach (TrustedPrincipals p in info.Principals)
            {
                inv.Out.WriteLine($"  principals {p.User}={string.Join(",", p.Principals)}");
            }

            if (info.RevokedKeys != null)
            {
                inv.Out.WriteLine($"  revoked keys {info.RevokedKeys}");
            }

            foreach (string h in info.HostCertificates)
            {
                inv.Out.WriteLine($"  host certificate {h}");
            }

            return 0;
        }

        /// <summary>Exit 0 when trusted, 1 with one line per problem otherwise: a script's `if sshkms trust test`.</summary>
        private static async Task<int> TestAsync(CliInvocation inv)
        {
            CaTrustTest test = await TestCaTrustOperation.RunAsync(new TestCaTrustOptions
            {
                CaKeys = inv.GetAll("ca").ToArray(),
                SshdConfig = inv.Get("sshd-config"),
                User = inv.Get("user"),
                SshdPath = inv.Get("sshd"),
                Aws = inv.Aws,
            }, default).ConfigureAwait(false);
            if (inv.Has("json"))
            {
                inv.Out.WriteLine(JsonSerializer.Serialize(new { sshdConfig = test.SshdConfig, isTrusted = test.IsTrusted, problems = test.Problems }));
            }
            else
            {
                inv.Out.WriteLine(test.IsTrusted ? $"{test.SshdConfig}: trusted" : $"{test.SshdConfig}: not trusted");
                foreach (string problem in test.Problems)
                {
                    inv.Out.WriteLine("  " + problem);
                }
            }

            return test.IsTrusted ? 0 : Program.ExitError;
        }

        private static async Task<int> KnownHostsAsync(CliInvocation inv)
        {
            KnownHostsTrustResult result = await KnownHostsTrustOperation.RunAsync(new KnownHostsTrustOptions
            {
                CaKey = inv.Get("ca"),
                HostPattern = inv.Get("host-pattern"),
                KnownHosts = inv.Get("known-hosts"),
                Aws = inv.Aws,
            }, inv.Has("dry-run"), default).ConfigureAwait(false);
            inv.Out.WriteLine($"{result.Status}: {result.KnownHosts}: {result.Line}");
            return 0;
        }

        private static void Write(CliInvocation inv, CaTrustResult r)
        {
            if (inv.Has("json"))
            {
                inv.Out.WriteLine(JsonSerializer.Serialize(new
                {
                    node = r.Node,
                    sshdConfig = r.SshdConfig,
                    status = r.Status,
                    placement = r.Placement,
                    changes = r.Changes.Select(c => new { path = c.Path, action = c.Action.ToString() }),
                    changedFiles = r.ChangedFiles,
                    reload = r.Reload,
                    errorId = r.ErrorId,
                    error = r.Error,
                    caFingerprints = r.CaFingerprints,
                    hostCertificates = r.HostCertificates.Select(h => new { hostKey = h.HostKey, certificate = h.CertificatePath, issued = h.NeedsIssue, validTo = h.ValidTo }),
                }));
                return;
            }

            if (r.Status == "WhatIf")
            {
                inv.Out.Write(r.Diff);
                foreach (HostCertificateStatus h in r.HostCertificates.Where(h => h.NeedsIssue))
                {
                    inv.Out.WriteLine($"would issue a host certificate {h.CertificatePath} for {string.Join(",", h.Principals)}");
                }
            }

            string node = r.Node == "localhost" ? string.Empty : r.Node + ": ";
            if (r.ErrorId != null)
            {
                inv.Err.WriteLine($"sshkms: {r.Error} [{r.ErrorId}]");
                return;
            }

            inv.Out.WriteLine($"{node}{r.Status}: {r.SshdConfig} ({r.Placement}); reload: {r.Reload}");
            foreach (TrustFileChange c in r.Changes)
            {
                inv.Out.WriteLine($"  {c.Action} {c.Path}");
            }

            if (r.Changes.Count == 0)
            {
                foreach (string f in r.ChangedFiles)
                {
                    inv.Out.WriteLine($"  {f}");
                }
            }
        }
    }
}
