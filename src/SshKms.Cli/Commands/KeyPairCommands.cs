using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Rotation;

namespace SshKms.Cli.Commands
{
    /// <summary>sshkms keypair new / get: SSH key pairs kept in Secrets Manager.</summary>
    internal static class KeyPairCommands
    {
        public static IEnumerable<CliCommand> All => new[]
        {
            new CliCommand("keypair new",
                "sshkms keypair new --secret-id ID [--kms-key URI] [--key-type ed25519|ecdsa|rsa3072|rsa4096] [--user U]",
                new[] { new OptionSpec("secret-id"), new OptionSpec("kms-key"), new OptionSpec("key-type"), new OptionSpec("user") },
                NewAsync),
            new CliCommand("keypair get",
                "sshkms keypair get --secret-id ID [--stage AWSCURRENT|AWSPENDING|AWSPREVIOUS] [--public]",
                new[] { new OptionSpec("secret-id"), new OptionSpec("stage"), OptionSpec.Flag("public") },
                GetAsync),
        };

        /// <summary>Prints the new public key line (tagged with its version) on stdout.</summary>
        private static async Task<int> NewAsync(CliInvocation inv)
        {
            KeyPairInfo info = await CreateKeyPairSecretOperation.RunAsync(new CreateKeyPairSecretOptions
            {
                SecretId = inv.Require("secret-id"),
                KmsKeyId = inv.Get("kms-key"),
                KeyType = inv.Get("key-type"),
                UserName = inv.Get("user"),
                Aws = inv.Aws,
            }, CancellationToken.None).ConfigureAwait(false);
            inv.Out.WriteLine(info.PublicKey);
            inv.Err.WriteLine($"sshkms: created {info.SecretId} version {info.VersionId} ({info.KeyType} {info.Fingerprint})");
            return 0;
        }

        /// <summary>Prints the private key (OpenSSH PEM) straight from its byte buffer, or the public key line with --public.</summary>
        private static async Task<int> GetAsync(CliInvocation inv)
        {
            bool publicOnly = inv.Has("public");
            using KeyPairVersion version = await GetKeyPairOperation.RunAsync(new GetKeyPairOptions
            {
                SecretId = inv.Require("secret-id"),
                Stage = inv.Get("stage"),
                PublicOnly = publicOnly,
                Aws = inv.Aws,
            }, CancellationToken.None).ConfigureAwait(false);
            if (version.PrivateKeyUtf8 == null)
            {
                inv.Out.WriteLine(version.PublicKey);
                return 0;
            }

            inv.Out.Flush();
            Stream stdout = inv.Console.OpenOut();
            await stdout.WriteAsync(version.PrivateKeyUtf8, 0, version.PrivateKeyUtf8.Length).ConfigureAwait(false);
            await stdout.FlushAsync().ConfigureAwait(false);
            return 0;
        }
    }
}
