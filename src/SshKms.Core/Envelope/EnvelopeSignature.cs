using System;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace SshKms.Core.Envelope
{
    /// <summary>
    /// ECDSA P-384 over SHA-384 for suite 0x0578: a key pair per message, the public key as a compressed point
    /// in the context, a DER signature in the footer. BouncyCastle on both targets: netstandard2.0's ECDsa can
    /// neither read compressed points nor write DER, and one code path keeps the two builds identical.
    /// </summary>
    internal sealed class EnvelopeSignature
    {
        private static readonly X9ECParameters Curve = SecNamedCurves.GetByName("secp384r1");
        private static readonly ECDomainParameters Domain = new ECDomainParameters(Curve.Curve, Curve.G, Curve.N, Curve.H);

        private readonly ECPrivateKeyParameters _privateKey;

        private EnvelopeSignature(ECPrivateKeyParameters privateKey, byte[] compressedPublicKey)
        {
            _privateKey = privateKey;
            CompressedPublicKey = compressedPublicKey;
        }

        public byte[] CompressedPublicKey { get; }

        public static EnvelopeSignature Generate()
        {
            var generator = new ECKeyPairGenerator();
            generator.Init(new ECKeyGenerationParameters(Domain, new SecureRandom()));
            AsymmetricCipherKeyPair pair = generator.GenerateKeyPair();
            byte[] publicKey = ((ECPublicKeyParameters)pair.Public).Q.GetEncoded(true);
            return new EnvelopeSignature((ECPrivateKeyParameters)pair.Private, publicKey);
        }

        /// <summary>DER SEQUENCE { r, s } over the SHA-384 digest of header and body.</summary>
        public byte[] Sign(byte[] digest)
        {
            var signer = new ECDsaSigner(new HMacDsaKCalculator(new Sha384Digest()));
            signer.Init(true, _privateKey);
            BigInteger[] rs = signer.GenerateSignature(digest);
            return new DerSequence(new DerInteger(rs[0]), new DerInteger(rs[1])).GetDerEncoded();
        }

        public static bool Verify(string publicKeyBase64, byte[] digest, byte[] derSignature)
        {
            try
            {
                var q = Domain.Curve.DecodePoint(Convert.FromBase64String(publicKeyBase64));
                var sequence = (Asn1Sequence)Asn1Object.FromByteArray(derSignature);
                if (sequence.Count != 2)
                {
                    return false;
                }

                BigInteger r = DerInteger.GetInstance(sequence[0]).Value;
                BigInteger s = DerInteger.GetInstance(sequence[1]).Value;
                var verifier = new ECDsaSigner();
                verifier.Init(false, new ECPublicKeyParameters(q, Domain));
                return verifier.VerifySignature(digest, r, s);
            }
            catch (Exception ex) when (ex is FormatException || ex is ArgumentException || ex is InvalidCastException || ex is System.IO.IOException || ex is InvalidOperationException)
            {
                return false;
            }
        }
    }
}
