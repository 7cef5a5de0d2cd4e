using System.Collections.Generic;
using System.Threading.Tasks;
using SshKms.Core.Authority;

namespace SshKms.Cli.Commands
{
    /// <summary>`sshkms ca create` and `sshkms ca public-key`.</summary>
    internal static class CaCommands
    {
        public static IEnumerable<CliCommand> All => new[]
        {
            new CliCommand("ca create", "sshkms ca create     --ca URI [--key-spec SPEC]",
                new[] { new OptionSpec("ca"), new OptionSpec("key-spec") }, CreateAsync),
            new CliCommand("ca public-key", "sshkms ca public-key --ca URI [--host]",
                new[] { new OptionSpec("ca"), OptionSpec.Flag("host") }, PublicKeyAsync),
        };

        private static async Task<int> CreateAsync(CliInvocation inv)
        {
            CaKeyInfo info = await CreateCaKeyOperation.RunAsync(
                new CreateCaKeyOptions { CaKey = inv.Get("ca"), KeySpec = inv.Get("key-spec"), Aws = inv.Aws }, default).ConfigureAwait(false);
            inv.Out.WriteLine(info.PublicKey);
            inv.Err.WriteLine($"Created {info.KeyUri} ({info.KeyArn}), {info.Fingerprint}.");
            return 0;
        }

        private static async Task<int> PublicKeyAsync(CliInvocation inv)
        {
            inv.Out.WriteLine(await GetCaPublicKeyOperation.RunAsync(
                new GetCaPublicKeyOptions { CaKey = inv.Get("ca"), ForHost = inv.Has("host"), Aws = inv.Aws }, default).ConfigureAwait(false));
            return 0;
        }
    }
}
