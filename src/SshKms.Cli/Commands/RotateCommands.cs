using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Rotation;

namespace SshKms.Cli.Commands
{
    /// <summary>sshkms rotate: the four-step rotation of a key-pair secret, distributed to the nodes.</summary>
    internal static class RotateCommands
    {
        public static IEnumerable<CliCommand> All => new[]
        {
            new CliCommand("rotate",
                "sshkms rotate --secret-id ID (--node [USER@]HOST[:PORT]... | --ssm-tag KEY=VALUE | --instance-id ID...) [--user U] [--token T] [--parallel N] [--accept-new-host-key] [--ssh-option KEY=VALUE]... [--ssh-config FILE] [--authorized-keys-file TEMPLATE] [--sshd-config PATH]",
                new[]
                {
                    new OptionSpec("secret-id"), OptionSpec.Many("node"), new OptionSpec("ssm-tag"), OptionSpec.Many("instance-id"), new OptionSpec("user"),
                    new OptionSpec("token"), new OptionSpec("parallel"), OptionSpec.Flag("accept-new-host-key"), OptionSpec.Many("ssh-option"), new OptionSpec("ssh-config"),
                    new OptionSpec("authorized-keys-file"), new OptionSpec("sshd-config"),
                },
                RotateAsync),
        };

        /// <summary>One line per step and node; the token goes to stderr first so an interrupted run can be resumed.</summary>
        private static async Task<int> RotateAsync(CliInvocation inv)
        {
            string secretId = inv.Require("secret-id");
            var targets = new RotationTargets
            {
                SshNodes = inv.GetAll("node"),
                InstanceIds = inv.GetAll("instance-id"),
                SsmTag = inv.Get("ssm-tag"),
                Parallel = inv.GetInt("parallel"),
                AcceptNewHostKey = inv.Has("accept-new-host-key"),
                SshConfigFile = inv.Get("ssh-config"),
                AuthorizedKeys = new AuthorizedKeysOptions { FileTemplate = inv.Get("authorized-keys-file"), SshdConfig = inv.Get("sshd-config") },
            };
            foreach (KeyValuePair<string, string> pair in inv.GetPairs("ssh-option"))
            {
                targets.SshOptions.Add(pair);
            }

            int channels = (targets.SshNodes.Count > 0 ? 1 : 0) + (targets.InstanceIds.Count > 0 ? 1 : 0) + (targets.SsmTag != null ? 1 : 0);
            if (channels != 1)
            {
                throw new SshKmsException("CliUsage", SshKmsErrorCategory.InvalidArgument, "Give exactly one of --node, --ssm-tag or --instance-id. Usage: " + inv.Command.Usage);
            }

            if (targets.SshNodes.Count == 0 && (inv.Has("accept-new-host-key") || inv.Has("ssh-option") || inv.Has("ssh-config")))
            {
                throw new SshKmsException("CliUsage", SshKmsErrorCategory.InvalidArgument, "--accept-new-host-key, --ssh-option and --ssh-config apply to --node only.");
            }

            string token = inv.Get("token") ?? Guid.NewGuid().ToString();
            KeyRotation.ValidateToken(token);
            inv.Err.WriteLine($"sshkms: rotating {secretId} with token {token} (rerun with --token {token} to resume)");
            bool failed = false;
            await RotationTargets.RotateAsync(inv.Aws, secretId, targets, inv.Get("user"), token, r =>
            {
                lock (inv.Out)
                {
                    failed |= !r.Succeeded;
                    inv.Out.WriteLine($"{r.Step}\t{r.Node ?? "-"}\t{(r.Skipped ? "skipped" : r.Succeeded ? "ok" : "FAILED")}\t{r.Detail}");
                }
            }, CancellationToken.None).ConfigureAwait(false);
            return failed ? Program.ExitError : 0;
        }
    }
}
