using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Aws;
using SshKms.Core.Keys;

namespace SshKms.Core.Authority
{
    public sealed class CreateCaKeyOptions
    {
        /// <summary>The key to create: awskms:alias/NAME (a KMS SIGN_VERIFY key and its alias) or local:NAME; null: $SSHKMS_CA, then local:default.</summary>
        public string? CaKey { get; set; }

        /// <summary>ECC_NIST_P256 (the default), ECC_NIST_P384, ECC_NIST_P521, ECC_NIST_EDWARDS25519, RSA_2048, RSA_3072 or RSA_4096.</summary>
        public string? KeySpec { get; set; }

        public AwsSettings Aws { get; set; } = new AwsSettings();
    }

    /// <summary>Creates a CA key; an existing key of that name is refused, never replaced.</summary>
    public static class CreateCaKeyOperation
    {
        public const string DefaultKeySpec = "ECC_NIST_P256";

        /// <summary>The key URI and spec the options name, for a confirmation prompt; nothing is created.</summary>
        public static string Describe(CreateCaKeyOptions options) =>
            $"{KeyUri.ParseOrDefaultCa(options.CaKey)} ({options.KeySpec ?? DefaultKeySpec})";

        public static async Task<CaKeyInfo> RunAsync(CreateCaKeyOptions options, CancellationToken cancellationToken)
        {
            ISigningKey key = await SigningKeys.CreateAsync(KeyUri.ParseOrDefaultCa(options.CaKey), options.KeySpec, options.Aws, cancellationToken).ConfigureAwait(false);
            return new CaKeyInfo(key);
        }
    }
}
