using System;
using System.Security.Cryptography;

namespace SshKms.Core.OpenSsh
{
    /// <summary>Why a signature was or was not accepted; <see cref="SshSignatureVerifier.Check"/> returns it.</summary>
    public enum SshSignatureStatus
    {
        Valid,

        /// <summary>Well-formed, but not made by this key over these bytes.</summary>
        Invalid,

        /// <summary>The signature blob does not parse, or its numbers do not fit the key.</summary>
        Malformed,

        /// <summary>The blob names an algorithm this key type cannot sign with (e.g. rsa-sha2-256 on an ECDSA key).</summary>
        AlgorithmMismatch,

        /// <summary>We do not verify signatures of this key type (the sk- types).</summary>
        UnsupportedKeyType,

        /// <summary>An RSA key under 1024 bits, which OpenSSH refuses too: anyone can forge its signatures.</summary>
        KeyTooSmall,
    }

    /// <summary>
    /// Verifies SSH signature blobs (RFC 4253 6.6, RFC 5656, RFC 8332, RFC 8709). The signature is the untrusted
    /// input, so every way it can be wrong is a status, never an exception: callers decide how loud to be.
    /// </summary>
    public static class SshSignatureVerifier
    {
        /// <summary>OpenSSH's SSH_RSA_MINIMUM_MODULUS_SIZE.</summary>
        public const int MinimumRsaBits = 1024;

        public static bool Verify(SshPublicKey key, byte[] data, byte[] signatureBlob) => Check(key, data, signatureBlob) == SshSignatureStatus.Valid;

        public static SshSignatureStatus Check(SshPublicKey key, byte[] data, byte[] signatureBlob) => Check(key, data, signatureBlob, null);

        /// <summary>As <see cref="Check(SshPublicKey, byte[], byte[])"/>, with the platform key already imported (see <see cref="SshKeyVerifier"/>).</summary>
        internal static SshSignatureStatus Check(SshPublicKey key, byte[] data, byte[] signatureBlob, AsymmetricAlgorithm? imported)
        {
            if (key == null || data == null || signatureBlob == null)
            {
                throw new ArgumentNullException(key == null ? nameof(key) : data == null ? nameof(data) : nameof(signatureBlob));
            }

            if (key.IsSecurityKey)
            {
                return SshSignatureStatus.UnsupportedKeyType;
            }

            string algorithm;
            byte[] signature;
            try
            {
                algorithm = SshSignature.Split(signatureBlob, out signature);
            }
            catch (SshFormatException)
            {
                return SshSignatureStatus.Malformed;
            }

            try
            {
                switch (key.KeyType)
                {
                    case SshKeyTypes.Ed25519:
                        return algorithm != SshKeyTypes.Ed25519 ? SshSignatureStatus.AlgorithmMismatch : VerifyEd25519(key, data, signature);
                    case SshKeyTypes.EcdsaP256:
                    case SshKeyTypes.EcdsaP384:
                    case SshKeyTypes.EcdsaP521:
                        return algorithm != key.KeyType ? SshSignatureStatus.AlgorithmMismatch : VerifyEcdsa(key, data, signature, imported as ECDsa);
                    case SshKeyTypes.Rsa:
                        if (key.Bits < MinimumRsaBits)
                        {
                            return SshSignatureStatus.KeyTooSmall;
                        }

                        HashAlgorithmName? hash = SshSignature.RsaHash(algorithm);
                        return hash == null ? SshSignatureStatus.AlgorithmMismatch : VerifyRsa(key, data, signature, hash.Value, imported as RSA);
                    default:
                        return SshSignatureStatus.UnsupportedKeyType;
                }
            }
            catch (CryptographicException)
            {
                // The platform refused the key itself (a point off the curve, an RSA modulus it will not load):
                // no signature can be valid for it.
                return SshSignatureStatus.Malformed;
            }
        }

        /// <summary>Throws an <see cref="SshFormatException"/> naming what is wrong unless the signature is valid.</summary>
        public static void EnsureValid(SshPublicKey key, byte[] data, byte[] signatureBlob, string what) =>
            ThrowUnlessValid(Check(key, data, signatureBlob), key, what);

        internal static void ThrowUnlessValid(SshSignatureStatus status, SshPublicKey key, string what)
        {
            if (status != SshSignatureStatus.Valid)
            {
                throw new SshFormatException($"The {what} signature is not valid: {Describe(status, key)}.", ErrorIdFor(status));
            }
        }

        /// <summary>The platform key for an ECDSA or RSA key, for <see cref="SshKeyVerifier"/>; null for other types.</summary>
        internal static AsymmetricAlgorithm? Import(SshPublicKey key)
        {
            if (key.EcPoint != null && !key.IsSecurityKey)
            {
                return ImportEcdsa(key);
            }

            if (key.RsaModulus != null)
            {
                RSA rsa = RSA.Create();
                rsa.ImportParameters(new RSAParameters { Modulus = key.RsaModulus, Exponent = key.RsaExponent });
                return rsa;
            }

            return null;
        }

        private static ECDsa ImportEcdsa(SshPublicKey key)
        {
            int size = SshKeyTypes.EcdsaCoordinateLength(key.Curve!);
            return ECDsa.Create(new ECParameters
            {
                Curve = SshKeyTypes.EcdsaCurve(key.Curve!),
                Q = new ECPoint { X = SshPrivateKey.Slice(key.EcPoint!, 1, size), Y = SshPrivateKey.Slice(key.EcPoint!, 1 + size, size) },
            });
        }

        /// <summary>The stable ErrorId for a failed check.</summary>
        public static string ErrorIdFor(SshSignatureStatus status)
        {
            switch (status)
            {
                case SshSignatureStatus.Malformed: return "SshSignatureMalformed";
                case SshSignatureStatus.AlgorithmMismatch: return "SshSignatureAlgorithmMismatch";
                case SshSignatureStatus.UnsupportedKeyType: return "SshSignatureKeyTypeUnsupported";
                case SshSignatureStatus.KeyTooSmall: return "SshSignatureKeyTooSmall";
                default: return "SshSignatureInvalid";
            }
        }

        private static string Describe(SshSignatureStatus status, SshPublicKey key)
        {
            switch (status)
            {
                case SshSignatureStatus.Malformed: return "the signature blob is malformed";
                case SshSignatureStatus.AlgorithmMismatch: return $"its algorithm does not belong to the {key.KeyType} key that should have made it";
                case SshSignatureStatus.UnsupportedKeyType: return $"{key.KeyType} signatures are not supported";
                case SshSignatureStatus.KeyTooSmall: return $"the {key.Bits}-bit RSA key is below the {MinimumRsaBits}-bit minimum";
                default: return $"it was not made by {key.KeyType} key {key.Fingerprint} over these bytes";
            }
        }

        private static SshSignatureStatus VerifyEd25519(SshPublicKey key, byte[] data, byte[] signature)
        {
            if (signature.Length != Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.SignatureSize)
            {
                return SshSignatureStatus.Malformed;
            }

            return Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.Verify(signature, 0, key.Ed25519Key, 0, data, 0, data.Length)
                ? SshSignatureStatus.Valid
                : SshSignatureStatus.Invalid;
        }

        private static SshSignatureStatus VerifyEcdsa(SshPublicKey key, byte[] data, byte[] signature, ECDsa? imported)
        {
            int size = SshKeyTypes.EcdsaCoordinateLength(key.Curve!);
            byte[] p1363;
            try
            {
                p1363 = SshSignature.EcdsaToP1363(signature, size);
            }
            catch (SshFormatException)
            {
                return SshSignatureStatus.Malformed;
            }

            if (imported != null)
            {
                return imported.VerifyData(data, p1363, SshKeyTypes.EcdsaHash(key.Curve!)) ? SshSignatureStatus.Valid : SshSignatureStatus.Invalid;
            }

            using (ECDsa ecdsa = ImportEcdsa(key))
            {
                return ecdsa.VerifyData(data, p1363, SshKeyTypes.EcdsaHash(key.Curve!)) ? SshSignatureStatus.Valid : SshSignatureStatus.Invalid;
            }
        }

        private static SshSignatureStatus VerifyRsa(SshPublicKey key, byte[] data, byte[] signature, HashAlgorithmName hash, RSA? imported)
        {
            byte[] modulus = key.RsaModulus!;
            if (signature.Length > modulus.Length)
            {
                return SshSignatureStatus.Malformed;
            }

            // OpenSSH accepts signatures shorter than the modulus (leading zero bytes dropped); .NET wants full length.
            byte[] padded = SshPrivateKey.LeftPad(signature, modulus.Length);
            if (imported != null)
            {
                return imported.VerifyData(data, padded, hash, RSASignaturePadding.Pkcs1) ? SshSignatureStatus.Valid : SshSignatureStatus.Invalid;
            }

            using (RSA rsa = RSA.Create())
            {
                rsa.ImportParameters(new RSAParameters { Modulus = modulus, Exponent = key.RsaExponent });
                return rsa.VerifyData(data, padded, hash, RSASignaturePadding.Pkcs1) ? SshSignatureStatus.Valid : SshSignatureStatus.Invalid;
            }
        }
    }
}
