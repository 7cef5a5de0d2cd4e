using System;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Aws;

namespace SshKms.Core.Keys
{
    /// <summary>
    /// The one entry point that turns a key URI into a signing key, whatever its provider.
    /// </summary>
    public static class SigningKeys
    {
        /// <summary>
        /// Opens an existing CA key. awskms: GetPublicKey once per process per key, then cached.
        /// local: created on first use (ECC_NIST_P256) when missing.
        /// </summary>
        public static Task<ISigningKey> OpenAsync(KeyUri uri, AwsSettings aws, CancellationToken cancellationToken) =>
            throw new NotImplementedException("SigningKeys.OpenAsync is being written on the keys branch.");

        /// <summary>
        /// Creates a new CA key. keySpec uses KMS names (ECC_NIST_P256 default, ECC_NIST_P384, ECC_NIST_P521,
        /// ECC_NIST_EDWARDS25519, RSA_2048/3072/4096). awskms: CreateKey SIGN_VERIFY plus CreateAlias when the URI
        /// names an alias. local: refuses to overwrite an existing key.
        /// </summary>
        public static Task<ISigningKey> CreateAsync(KeyUri uri, string? keySpec, AwsSettings aws, CancellationToken cancellationToken) =>
            throw new NotImplementedException("SigningKeys.CreateAsync is being written on the keys branch.");

        /// <summary>
        /// Who is asking, for key ids and the audit trail: the STS caller ARN for awskms, user@host for local.
        /// </summary>
        public static Task<string> GetOperatorIdentityAsync(KeyUri uri, AwsSettings aws, CancellationToken cancellationToken) =>
            throw new NotImplementedException("SigningKeys.GetOperatorIdentityAsync is being written on the keys branch.");
    }
}
