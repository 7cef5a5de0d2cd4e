using System.Linq;

namespace SshKms.Core.OpenSsh
{
    /// <summary>
    /// The DER SubjectPublicKeyInfo that KMS GetPublicKey returns (RFC 5280 4.1, RFC 5480, RFC 8410), turned into an
    /// OpenSSH public key. EC P-256/384/521, RSA and Ed25519; anything else is refused with a clear message.
    /// </summary>
    public static class SubjectPublicKeyInfo
    {
        private static readonly byte[] EcPublicKey = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 };
        private static readonly byte[] P256 = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
        private static readonly byte[] P384 = { 0x2b, 0x81, 0x04, 0x00, 0x22 };
        private static readonly byte[] P521 = { 0x2b, 0x81, 0x04, 0x00, 0x23 };
        private static readonly byte[] Secp256k1 = { 0x2b, 0x81, 0x04, 0x00, 0x0a };
        private static readonly byte[] Sm2 = { 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d };
        private static readonly byte[] RsaEncryption = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };
        private static readonly byte[] Ed25519 = { 0x2b, 0x65, 0x70 };

        public static SshPublicKey ToSshPublicKey(byte[] der, string comment = "")
        {
            if (der == null)
            {
                throw new System.ArgumentNullException(nameof(der));
            }

            DerReader spki = DerReader.ReadWhole(der, "SubjectPublicKeyInfo", "SubjectPublicKeyInfo");
            DerReader algorithm = spki.ReadSequence("AlgorithmIdentifier");
            byte[] oid = algorithm.ReadOid("algorithm");
            byte[]? curve = null;
            if (oid.SequenceEqual(EcPublicKey))
            {
                curve = algorithm.ReadOid("EC curve");
            }
            else if (oid.SequenceEqual(RsaEncryption))
            {
                if (algorithm.HasMore)
                {
                    algorithm.ReadNull("RSA parameters");
                }
            }
            else if (!oid.SequenceEqual(Ed25519))
            {
                throw Unsupported($"the key algorithm {DerReader.OidToString(oid)} is not EC, RSA or Ed25519");
            }

            algorithm.EnsureEnd();
            byte[] bits = spki.ReadBitString("subjectPublicKey");
            spki.EnsureEnd();

            byte[] blob = curve != null ? EcBlob(curve, bits, spki)
                : oid.SequenceEqual(RsaEncryption) ? RsaBlob(bits)
                : Ed25519Blob(bits, spki);
            return SshPublicKey.FromBlob(blob, comment);
        }

        private static byte[] EcBlob(byte[] curve, byte[] point, DerReader context)
        {
            string name = curve.SequenceEqual(P256) ? "nistp256"
                : curve.SequenceEqual(P384) ? "nistp384"
                : curve.SequenceEqual(P521) ? "nistp521"
                : curve.SequenceEqual(Secp256k1) ? throw Unsupported("secp256k1 (ECC_SECG_P256K1) keys cannot sign SSH certificates; OpenSSH supports only the NIST curves")
                : curve.SequenceEqual(Sm2) ? throw Unsupported("SM2 keys cannot sign SSH certificates; OpenSSH supports only the NIST curves")
                : throw Unsupported($"the EC curve {DerReader.OidToString(curve)} is not P-256, P-384 or P-521");
            int size = SshKeyTypes.EcdsaCoordinateLength(name);
            if (point.Length != 1 + 2 * size || point[0] != 0x04)
            {
                throw context.Error($"the {name} public key is not an uncompressed point of {1 + 2 * size} bytes");
            }

            return new SshWriter().WriteString("ecdsa-sha2-" + name).WriteString(name).WriteBytes(point).ToArray();
        }

        private static byte[] RsaBlob(byte[] bits)
        {
            DerReader key = DerReader.ReadWhole(bits, "RSA public key", "RSAPublicKey");
            byte[] modulus = key.ReadPositiveInteger("modulus");
            byte[] exponent = key.ReadPositiveInteger("publicExponent");
            key.EnsureEnd();
            return new SshWriter().WriteString(SshKeyTypes.Rsa).WriteMpint(exponent).WriteMpint(modulus).ToArray();
        }

        private static byte[] Ed25519Blob(byte[] key, DerReader context)
        {
            if (key.Length != 32)
            {
                throw context.Error($"an Ed25519 public key is 32 bytes, not {key.Length}");
            }

            return new SshWriter().WriteString(SshKeyTypes.Ed25519).WriteBytes(key).ToArray();
        }

        private static SshFormatException Unsupported(string why) =>
            new SshFormatException($"Unsupported public key: {why}.", "SshKeyTypeUnsupported");
    }
}
