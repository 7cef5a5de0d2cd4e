using System.Collections.Generic;
using System.Threading.Tasks;
using SshKms.Core.Authority;
using SshKms.Core.Keys;

namespace SshKms.Cli
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
            ISigningKey key = await SigningKeys.CreateAsync(KeyUri.ParseOrDefaultCa(inv.Get("ca")), inv.Get("key-spec"), inv.Aws, default).ConfigureAwait(false);
            var info = new CaKeyInfo(key);
            inv.Out.WriteLine(info.PublicKey);
            inv.Err.WriteLine($"Created {info.KeyUri} ({info.KeyArn}), {info.Fingerprint}.");
            return 0;
        }

        private static async Task<int> PublicKeyAsync(CliInvocation inv)
        {
            // Only the public key: no caller identity (STS) is needed to print it.
            ISigningKey key = await SigningKeys.OpenAsync(KeyUri.ParseOrDefaultCa(inv.Get("ca")), inv.Aws, default).ConfigureAwait(false);
            inv.Out.WriteLine(inv.Has("host") ? CaKeyInfo.KnownHostsLine(key) : key.PublicKey.ToString());
            return 0;
        }
    }
}
