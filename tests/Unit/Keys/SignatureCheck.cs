using System;
using System.Security.Cryptography;
using SshKms.Core.OpenSsh;

namespace SshKms.Tests.Keys
{
    /// <summary>
    /// Verifies an SSH signature blob with .NET's ECDsa/RSA and BouncyCastle's Ed25519: crypto libraries independent
    /// of the code under test (the project's own verifier lives on another branch).
    /// </summary>
    public static class SignatureCheck
    {
        public static bool Verify(SshPublicKey key, byte[] data, byte[] signatureBlob)
        {
            var reader = new SshReader(signatureBlob, "signature");
            string algorithm = reader.ReadString("algorithm");
            byte[] signature = reader.ReadBytes("signature");
            reader.EnsureEnd();
            switch (key.KeyType)
            {
                case SshKeyTypes.Ed25519:
                    return algorithm == SshKeyTypes.Ed25519 && signature.Length == 64
                        && Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.Verify(signature, 0, key.Ed25519Key, 0, data, 0, data.Length);
                case SshKeyTypes.Rsa:
                    HashAlgorithmName hash = algorithm == SshSignature.RsaSha512 ? HashAlgorithmName.SHA512
                        : algorithm == SshSignature.RsaSha256 ? HashAlgorithmName.SHA256
                        : throw new InvalidOperationException("unexpected RSA algorithm " + algorithm);
                    using (RSA rsa = RSA.Create(new RSAParameters { Modulus = key.RsaModulus, Exponent = key.RsaExponent }))
                    {
                        return rsa.VerifyData(data, signature, hash, RSASignaturePadding.Pkcs1);
                    }

                default:
                    if (algorithm != key.KeyType)
                    {
                        return false;
                    }

                    int size = SshKeyTypes.EcdsaCoordinateLength(key.Curve!);
                    var rs = new SshReader(signature, "ecdsa signature");
                    byte[] r = rs.ReadMpint("r");
                    byte[] s = rs.ReadMpint("s");
                    rs.EnsureEnd();
                    var p1363 = new byte[2 * size];
                    Buffer.BlockCopy(r, 0, p1363, size - r.Length, r.Length);
                    Buffer.BlockCopy(s, 0, p1363, 2 * size - s.Length, s.Length);
                    ECCurve curve = size == 32 ? ECCurve.NamedCurves.nistP256 : size == 48 ? ECCurve.NamedCurves.nistP384 : ECCurve.NamedCurves.nistP521;
                    var q = new ECPoint { X = key.EcPoint![1..(1 + size)], Y = key.EcPoint[(1 + size)..] };
                    using (ECDsa ecdsa = ECDsa.Create(new ECParameters { Curve = curve, Q = q }))
                    {
                        HashAlgorithmName h = size == 32 ? HashAlgorithmName.SHA256 : size == 48 ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA512;
                        return ecdsa.VerifyData(data, p1363, h);
                    }
            }
        }
    }
}
