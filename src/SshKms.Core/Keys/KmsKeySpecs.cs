using System;
using System.Security.Cryptography;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Keys
{
    /// <summary>How one KMS Sign call is made for a key spec, and what SSH calls the result.</summary>
    internal sealed class KmsSignPlan
    {
        internal KmsSignPlan(string signingAlgorithm, string sshAlgorithm, HashAlgorithmName hash, bool rawOnly)
        {
            SigningAlgorithm = signingAlgorithm;
            SshAlgorithm = sshAlgorithm;
            Hash = hash;
            RawOnly = rawOnly;
        }

        /// <summary>The KMS SigningAlgorithm, e.g. ECDSA_SHA_256.</summary>
        internal string SigningAlgorithm { get; }

        /// <summary>The SSH signature algorithm name, e.g. ecdsa-sha2-nistp256 or rsa-sha2-512.</summary>
        internal string SshAlgorithm { get; }

        /// <summary>The hash KMS applies to RAW messages, and that we apply ourselves for DIGEST.</summary>
        internal HashAlgorithmName Hash { get; }

        /// <summary>Ed25519 signs the message itself; there is no SSH-compatible DIGEST form.</summary>
        internal bool RawOnly { get; }
    }

    /// <summary>The KMS key specs that can sign SSH certificates, and the spec names both providers accept.</summary>
    internal static class KmsKeySpecs
    {
        internal const string DefaultSpec = "ECC_NIST_P256";
        internal const string Ed25519 = "ECC_NIST_EDWARDS25519";

        internal static readonly string[] Supported =
            { "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", Ed25519, "RSA_2048", "RSA_3072", "RSA_4096" };

        internal static bool IsSupported(string spec) => Array.IndexOf(Supported, spec) >= 0;

        /// <summary>The spec a caller asked for, upper-cased, defaulting to P-256; unsupported specs throw <paramref name="errorId"/>.</summary>
        internal static string Normalize(string? spec, string errorId)
        {
            string value = string.IsNullOrWhiteSpace(spec) ? DefaultSpec : spec!.Trim().ToUpperInvariant();
            if (!IsSupported(value))
            {
                throw UnsupportedSpec(value, errorId);
            }

            return value;
        }

        internal static SshKmsException UnsupportedSpec(string spec, string errorId) =>
            new SshKmsException(errorId, SshKmsErrorCategory.InvalidArgument,
                $"Key spec '{spec}' cannot sign SSH certificates. Use one of {string.Join(", ", Supported)}.");

        internal static SshKeyAlgorithm ToLocalAlgorithm(string spec)
        {
            switch (spec)
            {
                case "ECC_NIST_P256": return SshKeyAlgorithm.EcdsaP256;
                case "ECC_NIST_P384": return SshKeyAlgorithm.EcdsaP384;
                case "ECC_NIST_P521": return SshKeyAlgorithm.EcdsaP521;
                case Ed25519: return SshKeyAlgorithm.Ed25519;
                case "RSA_2048": return SshKeyAlgorithm.Rsa2048;
                case "RSA_3072": return SshKeyAlgorithm.Rsa3072;
                case "RSA_4096": return SshKeyAlgorithm.Rsa4096;
                default: throw UnsupportedSpec(spec, "LocalKeySpecUnsupported");
            }
        }

        /// <summary>The Sign call for a supported spec. <paramref name="rsaAlgorithm"/> is already validated.</summary>
        internal static KmsSignPlan PlanSign(string spec, string rsaAlgorithm)
        {
            switch (spec)
            {
                case "ECC_NIST_P256": return new KmsSignPlan("ECDSA_SHA_256", SshKeyTypes.EcdsaP256, HashAlgorithmName.SHA256, false);
                case "ECC_NIST_P384": return new KmsSignPlan("ECDSA_SHA_384", SshKeyTypes.EcdsaP384, HashAlgorithmName.SHA384, false);
                case "ECC_NIST_P521": return new KmsSignPlan("ECDSA_SHA_512", SshKeyTypes.EcdsaP521, HashAlgorithmName.SHA512, false);
                case Ed25519: return new KmsSignPlan("ED25519_SHA_512", SshKeyTypes.Ed25519, HashAlgorithmName.SHA512, true);
                case "RSA_2048":
                case "RSA_3072":
                case "RSA_4096":
                    return rsaAlgorithm == SshSignature.RsaSha256
                        ? new KmsSignPlan("RSASSA_PKCS1_V1_5_SHA_256", SshSignature.RsaSha256, HashAlgorithmName.SHA256, false)
                        : new KmsSignPlan("RSASSA_PKCS1_V1_5_SHA_512", SshSignature.RsaSha512, HashAlgorithmName.SHA512, false);
                default:
                    throw UnsupportedSpec(spec, "KmsKeySpecUnsupported");
            }
        }

        /// <summary>null means rsa-sha2-512; rsa-sha2-256 is the switch; SHA-1 ssh-rsa is refused as OpenSSH does by default.</summary>
        internal static string ValidateRsaAlgorithm(string? rsaAlgorithm)
        {
            if (rsaAlgorithm == null || rsaAlgorithm == SshSignature.RsaSha512)
            {
                return SshSignature.RsaSha512;
            }

            if (rsaAlgorithm == SshSignature.RsaSha256)
            {
                return SshSignature.RsaSha256;
            }

            throw new SshKmsException("SignatureAlgorithmUnsupported", SshKmsErrorCategory.InvalidArgument,
                $"RSA CA keys sign with rsa-sha2-512 (default) or rsa-sha2-256, not '{rsaAlgorithm}'.");
        }
    }
}
