using System;
using Org.BouncyCastle.Asn1;

namespace SshKms.Core.OpenSsh
{
    /// <summary>
    /// ECDSA signatures as KMS returns them: DER Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279),
    /// turned into the SSH "mpint r, mpint s" signature bytes (RFC 5656 3.1.2). BouncyCastle reads the DER;
    /// <see cref="StrictDer"/> holds it to canonical DER.
    /// </summary>
    public static class DerSignature
    {
        private const string What = "ECDSA signature";

        /// <summary>
        /// Parses strict DER (definite minimal lengths, minimal positive integers, nothing trailing) and returns the
        /// SSH ECDSA signature bytes. <paramref name="coordinateLength"/> (32, 48, 66), when given, bounds r and s.
        /// </summary>
        public static byte[] EcdsaToSsh(byte[] der, int? coordinateLength = null)
        {
            if (der == null)
            {
                throw new ArgumentNullException(nameof(der));
            }

            Asn1Sequence sequence = StrictDer.Sequence(der, What, 2);
            byte[] r = StrictDer.PositiveInteger(sequence[0], What, "r");
            byte[] s = StrictDer.PositiveInteger(sequence[1], What, "s");
            if (coordinateLength is int max && (r.Length > max || s.Length > max))
            {
                throw new SshFormatException($"Malformed ECDSA signature: r or s is longer than the curve's {max} bytes.", "SshSignatureInvalid");
            }

            return new SshWriter().WriteMpint(r).WriteMpint(s).ToArray();
        }
    }
}
