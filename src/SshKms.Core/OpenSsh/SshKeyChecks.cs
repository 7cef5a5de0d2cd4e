using System;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.X9;

namespace SshKms.Core.OpenSsh
{
    /// <summary>
    /// What OpenSSH checks of a public key beyond its wire layout when it loads one (sshkey_from_blob and
    /// sshkey_ec_validate_public, sshkey_check_rsa_length), so the CA never certifies a key that ssh-keygen and
    /// sshd refuse. The parser stays lenient: these are the rules for keys we vouch for.
    /// </summary>
    public static class SshKeyChecks
    {
        /// <summary>OpenSSH's SSH_RSA_MINIMUM_MODULUS_SIZE: no policy may go below it.</summary>
        public const int OpenSshMinimumRsaBits = SshSignatureVerifier.MinimumRsaBits;

        // The NIST curves have cofactor 1, so a point on the curve that is not the point at infinity is in the
        // prime-order group: OpenSSH skips the nQ check for the same reason.
        private static readonly X9ECParameters P256 = NistNamedCurves.GetByName("P-256");
        private static readonly X9ECParameters P384 = NistNamedCurves.GetByName("P-384");
        private static readonly X9ECParameters P521 = NistNamedCurves.GetByName("P-521");

        /// <summary>
        /// Why OpenSSH would refuse <paramref name="key"/>, or null when it would load it. RSA keys under
        /// <paramref name="minimumRsaBits"/> (never less than OpenSSH's 1024) are refused too.
        /// </summary>
        public static string? WhyOpenSshRefuses(SshPublicKey key, int minimumRsaBits)
        {
            if (key == null)
            {
                throw new ArgumentNullException(nameof(key));
            }

            if (key.EcPoint != null && !IsOnCurve(key.Curve!, key.EcPoint))
            {
                return $"its EC point is not a point of the {key.Curve} curve";
            }

            if (key.Ed25519Key != null && key.Ed25519Key.Length != 32)
            {
                return $"an Ed25519 key is 32 bytes, not {key.Ed25519Key.Length}";
            }

            int minimum = Math.Max(minimumRsaBits, OpenSshMinimumRsaBits);
            if (key.RsaModulus != null && key.Bits < minimum)
            {
                return $"its {key.Bits}-bit RSA modulus is below the {minimum}-bit minimum";
            }

            return null;
        }

        private static bool IsOnCurve(string curve, byte[] encodedPoint)
        {
            X9ECParameters parameters = curve == "nistp256" ? P256 : curve == "nistp384" ? P384 : curve == "nistp521" ? P521
                : throw new SshFormatException($"Unsupported ECDSA curve '{curve}'.", "SshKeyTypeUnsupported");
            try
            {
                // DecodePoint refuses coordinates outside [0, p) and points that fail the curve equation.
                Org.BouncyCastle.Math.EC.ECPoint point = parameters.Curve.DecodePoint(encodedPoint);
                return !point.IsInfinity && point.IsValid();
            }
            catch (ArgumentException)
            {
                return false;
            }
        }
    }
}
