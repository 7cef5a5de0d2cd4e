using System;
using System.Security.Cryptography;

namespace SshKms.Core.OpenSsh
{
    /// <summary>The OpenSSH key and certificate type names we speak.</summary>
    public static class SshKeyTypes
    {
        public const string Ed25519 = "ssh-ed25519";
        public const string EcdsaP256 = "ecdsa-sha2-nistp256";
        public const string EcdsaP384 = "ecdsa-sha2-nistp384";
        public const string EcdsaP521 = "ecdsa-sha2-nistp521";
        public const string Rsa = "ssh-rsa";
        public const string SkEd25519 = "sk-ssh-ed25519@openssh.com";
        public const string SkEcdsaP256 = "sk-ecdsa-sha2-nistp256@openssh.com";

        public const string CertSuffix = "-cert-v01@openssh.com";

        public static readonly string[] PublicKeyTypes = { Ed25519, EcdsaP256, EcdsaP384, EcdsaP521, Rsa, SkEd25519, SkEcdsaP256 };

        public static bool IsKnownKeyType(string name) => Array.IndexOf(PublicKeyTypes, name) >= 0;

        /// <summary>"ssh-ed25519" -> "ssh-ed25519-cert-v01@openssh.com"; the sk- types put the suffix before "@openssh.com".</summary>
        public static string CertificateTypeFor(string keyType)
        {
            const string at = "@openssh.com";
            return keyType.EndsWith(at, StringComparison.Ordinal)
                ? keyType.Substring(0, keyType.Length - at.Length) + CertSuffix
                : keyType + CertSuffix;
        }

        /// <summary>The inverse of <see cref="CertificateTypeFor"/>, or null when the name is not a certificate type we know.</summary>
        public static string? KeyTypeForCertificate(string certType)
        {
            foreach (string keyType in PublicKeyTypes)
            {
                if (CertificateTypeFor(keyType) == certType)
                {
                    return keyType;
                }
            }

            return null;
        }

        /// <summary>nistp256 -> 32 etc.: the byte length of one coordinate.</summary>
        public static int EcdsaCoordinateLength(string curve)
        {
            switch (curve)
            {
                case "nistp256": return 32;
                case "nistp384": return 48;
                case "nistp521": return 66;
                default: throw new SshFormatException($"Unsupported ECDSA curve '{curve}'.", "SshKeyTypeUnsupported");
            }
        }

        /// <summary>nistp256 -> the .NET named curve.</summary>
        public static ECCurve EcdsaCurve(string curve)
        {
            EcdsaCoordinateLength(curve);
            return curve == "nistp256" ? ECCurve.NamedCurves.nistP256 : curve == "nistp384" ? ECCurve.NamedCurves.nistP384 : ECCurve.NamedCurves.nistP521;
        }

        /// <summary>The hash RFC 5656 6.2.1 fixes for each curve.</summary>
        public static HashAlgorithmName EcdsaHash(string curve)
        {
            EcdsaCoordinateLength(curve);
            return curve == "nistp256" ? HashAlgorithmName.SHA256 : curve == "nistp384" ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA512;
        }
    }
}
