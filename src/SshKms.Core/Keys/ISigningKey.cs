using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Keys
{
    /// <summary>The result of one signature: the SSH signature blob and what the audit trail needs about it.</summary>
    public sealed class SigningResult
    {
        public SigningResult(byte[] signatureBlob, string algorithm, string? requestId)
        {
            SignatureBlob = signatureBlob;
            Algorithm = algorithm;
            RequestId = requestId;
        }

        /// <summary>string algorithm, string signature: ready to append to a certificate.</summary>
        public byte[] SignatureBlob { get; }

        /// <summary>ssh-ed25519, ecdsa-sha2-nistp256, rsa-sha2-512 ...</summary>
        public string Algorithm { get; }

        /// <summary>The KMS request id of the Sign call; null for local keys.</summary>
        public string? RequestId { get; }
    }

    /// <summary>
    /// A CA signing key whose private half stays with its provider: KMS, or the embedded local store.
    /// Both providers implement this, and nothing above Keys/ knows which one it holds.
    /// </summary>
    public interface ISigningKey
    {
        KeyUri Uri { get; }

        /// <summary>The key's ARN for awskms; "local:&lt;name&gt;" for local keys.</summary>
        string KeyArn { get; }

        SshPublicKey PublicKey { get; }

        /// <summary>
        /// Signs <paramref name="data"/>. For RSA keys <paramref name="rsaAlgorithm"/> chooses rsa-sha2-512
        /// (null) or rsa-sha2-256; other key types ignore it.
        /// </summary>
        Task<SigningResult> SignAsync(byte[] data, string? rsaAlgorithm, CancellationToken cancellationToken);
    }
}
