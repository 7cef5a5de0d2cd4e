using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.EdEC;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Spki = Org.BouncyCastle.Asn1.X509.SubjectPublicKeyInfo;

namespace SshKms.Core.OpenSsh
{
    /// <summary>
    /// The DER SubjectPublicKeyInfo that KMS GetPublicKey returns (RFC 5280 4.1, RFC 5480, RFC 8410), turned into an
    /// OpenSSH public key. EC P-256/384/521, RSA and Ed25519; anything else is refused with a clear message.
    /// BouncyCastle reads the structure; <see cref="StrictDer"/> holds it to canonical DER.
    /// </summary>
    public static class SubjectPublicKeyInfo
    {
        private const string What = "SubjectPublicKeyInfo";

        public static SshPublicKey ToSshPublicKey(byte[] der, string comment = "")
        {
            if (der == null)
            {
                throw new System.ArgumentNullException(nameof(der));
            }

            Spki spki;
            try
            {
                spki = Spki.GetInstance(StrictDer.Sequence(der, What, 2));
            }
            catch (System.ArgumentException ex)
            {
                throw StrictDer.Invalid(What, ex.Message);
            }

            AlgorithmIdentifier algorithm = spki.Algorithm;
            DerObjectIdentifier oid = algorithm.Algorithm;
            DerBitString bits = spki.PublicKey;
            if (bits.PadBits != 0)
            {
                throw StrictDer.Invalid(What, "the subjectPublicKey BIT STRING has unused bits");
            }

            byte[] key = bits.GetOctets();
            byte[] blob;
            if (oid.Equals(X9ObjectIdentifiers.IdECPublicKey))
            {
                blob = EcBlob(algorithm.Parameters as DerObjectIdentifier, key);
            }
            else if (oid.Equals(PkcsObjectIdentifiers.RsaEncryption))
            {
                if (algorithm.Parameters != null && !(algorithm.Parameters is Asn1Null))
                {
                    throw StrictDer.Invalid(What, "the RSA parameters are not NULL");
                }

                blob = RsaBlob(key);
            }
            else if (oid.Equals(EdECObjectIdentifiers.id_Ed25519))
            {
                blob = Ed25519Blob(key, algorithm);
            }
            else
            {
                throw Unsupported($"the key algorithm {oid.Id} is not EC, RSA or Ed25519");
            }

            return SshPublicKey.FromBlob(blob, comment);
        }

        private static byte[] EcBlob(DerObjectIdentifier? curve, byte[] point)
        {
            if (curve == null)
            {
                throw StrictDer.Invalid(What, "the EC curve is not a named curve");
            }

            string name = curve.Equals(SecObjectIdentifiers.SecP256r1) ? "nistp256"
                : curve.Equals(SecObjectIdentifiers.SecP384r1) ? "nistp384"
                : curve.Equals(SecObjectIdentifiers.SecP521r1) ? "nistp521"
                : curve.Equals(SecObjectIdentifiers.SecP256k1) ? throw Unsupported("secp256k1 (ECC_SECG_P256K1) keys cannot sign SSH certificates; OpenSSH supports only the NIST curves")
                : curve.Equals(GMObjectIdentifiers.sm2p256v1) ? throw Unsupported("SM2 keys cannot sign SSH certificates; OpenSSH supports only the NIST curves")
                : throw Unsupported($"the EC curve {curve.Id} is not P-256, P-384 or P-521");
            int size = SshKeyTypes.EcdsaCoordinateLength(name);
            if (point.Length != 1 + 2 * size || point[0] != 0x04)
            {
                throw StrictDer.Invalid(What, $"the {name} public key is not an uncompressed point of {1 + 2 * size} bytes");
            }

            return new SshWriter().WriteString("ecdsa-sha2-" + name).WriteString(name).WriteBytes(point).ToArray();
        }

        private static byte[] RsaBlob(byte[] bits)
        {
            const string what = "RSA public key";
            Asn1Sequence key = StrictDer.Sequence(bits, what, 2);
            byte[] modulus = StrictDer.PositiveInteger(key[0], what, "modulus");
            byte[] exponent = StrictDer.PositiveInteger(key[1], what, "publicExponent");
            return new SshWriter().WriteString(SshKeyTypes.Rsa).WriteMpint(exponent).WriteMpint(modulus).ToArray();
        }

        private static byte[] Ed25519Blob(byte[] key, AlgorithmIdentifier algorithm)
        {
            if (algorithm.Parameters != null)
            {
                throw StrictDer.Invalid(What, "Ed25519 takes no algorithm parameters");
            }

            if (key.Length != 32)
            {
                throw StrictDer.Invalid(What, $"an Ed25519 public key is 32 bytes, not {key.Length}");
            }

            return new SshWriter().WriteString(SshKeyTypes.Ed25519).WriteBytes(key).ToArray();
        }

        private static SshFormatException Unsupported(string why) =>
            new SshFormatException($"Unsupported public key: {why}.", "SshKeyTypeUnsupported");
    }
}
