using System.Collections.Generic;
using System.Linq;
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
                "sshkms rotate --secret-id ID (--node [USER@]HOST[:PORT]... | --ssm-tag KEY=VALUE | --instance-id ID...) [--user U] [--token T] [--parallel N] [--accept-new-host-key] [--ssh-option KEY=VALUE]... [--ssh-config FILE] [--transport auto|openssh|managed] [--revoked-host-keys FILE] [--authorized-keys-file TEMPLATE] [--sshd-config PATH]",
                new[]
                {
                    new OptionSpec("secret-id"), OptionSpec.Many("node"), new OptionSpec("ssm-tag"), OptionSpec.Many("instance-id"), new OptionSpec("user"),
                    new OptionSpec("token"), new OptionSpec("parallel"), OptionSpec.Flag("accept-new-host-key"), OptionSpec.Many("ssh-option"), new OptionSpec("ssh-config"),
                    new OptionSpec("transport"), new OptionSpec("revoked-host-keys"), new OptionSpec("authorized-keys-file"), new OptionSpec("sshd-config"),
                },
                RotateAsync),
        };

        /// <summary>One line per step and node; the token goes to stderr first so an interrupted run can be resumed.</summary>
        private static async Task<int> RotateAsync(CliInvocation inv)
        {
            string secretId = inv.Require("secret-id");
            if (!inv.Has("node") && !inv.Has("ssm-tag") && !inv.Has("instance-id"))
            {
                // The command line names its targets explicitly: a forgotten option must not reach every tagged instance.
                throw new SshKmsException("CliUsage", SshKmsErrorCategory.InvalidArgument, "Give --node, --ssm-tag or --instance-id. Usage: " + inv.Command.Usage);
            }

            bool failed = false;
            await RotateKeyPairOperation.RunAsync(new RotateKeyPairOptions
            {
                SecretId = secretId,
                SshNodes = inv.GetAll("node").ToArray(),
                InstanceIds = inv.GetAll("instance-id").ToArray(),
                SsmTag = inv.Get("ssm-tag"),
                UserName = inv.Get("user"),
                ClientRequestToken = inv.Get("token"),
                Parallel = inv.GetInt("parallel"),
                AcceptNewHostKey = inv.Has("accept-new-host-key"),
                SshOptions = inv.GetPairs("ssh-option").ToList(),
                SshConfigFile = inv.Get("ssh-config"),
                RevokedHostKeys = SessionCommands.RevokedHostKeysOf(inv),
                Transport = SessionCommands.TransportOf(inv),
                AuthorizedKeysFile = inv.Get("authorized-keys-file"),
                SshdConfigFile = inv.Get("sshd-config"),
                OnStarted = token => inv.Err.WriteLine($"sshkms: rotating {secretId} with token {token} (rerun with --token {token} to resume)"),
                OnStep = r =>
                {
                    lock (inv.Out)
                    {
                        failed |= !r.Succeeded;
                        inv.Out.WriteLine($"{r.Step}\t{r.Node ?? "-"}\t{(r.Skipped ? "skipped" : r.Succeeded ? "ok" : "FAILED")}\t{r.Detail}");
                    }
                },
                Aws = inv.Aws,
            }, CancellationToken.None).ConfigureAwait(false);
            return failed ? Program.ExitError : 0;
        }
    }
}
