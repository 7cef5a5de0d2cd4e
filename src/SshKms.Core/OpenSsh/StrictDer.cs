using System;
using System.Linq;
using Org.BouncyCastle.Asn1;

namespace SshKms.Core.OpenSsh
{
    /// <summary>
    /// DER parsing by BouncyCastle, made strict: BouncyCastle also reads BER (indefinite and long-form lengths), so the
    /// input must be exactly what BouncyCastle writes back in DER for the object it read, one object and nothing after
    /// it. Malformed input only ever gives an <see cref="SshFormatException"/> (DerInvalid).
    /// </summary>
    internal static class StrictDer
    {
        /// <summary>Reads <paramref name="der"/> as one canonical DER object; <paramref name="what"/> names it in errors.</summary>
        public static Asn1Object Parse(byte[] der, string what)
        {
            if (der.Length == 0)
            {
                throw Invalid(what, "it is empty");
            }

            Asn1Object parsed;
            try
            {
                parsed = Asn1Object.FromByteArray(der);
            }
            catch (Exception ex)
            {
                // BouncyCastle reports malformed encodings with several exception types (IOException, ArgumentException...).
                throw Invalid(what, ex.Message);
            }

            if (parsed == null)
            {
                throw Invalid(what, "it holds no ASN.1 object");
            }

            if (!parsed.GetEncoded(Asn1Encodable.Der).SequenceEqual(der))
            {
                throw Invalid(what, "it is not canonical DER (an indefinite or non-minimal length, a non-minimal integer, or trailing bytes)");
            }

            return parsed;
        }

        /// <summary>The SEQUENCE <paramref name="der"/> must be, with exactly <paramref name="count"/> elements.</summary>
        public static Asn1Sequence Sequence(byte[] der, string what, int count)
        {
            if (!(Parse(der, what) is Asn1Sequence sequence))
            {
                throw Invalid(what, $"it is not a SEQUENCE (tag 0x{der[0]:x2})");
            }

            if (sequence.Count != count)
            {
                throw Invalid(what, $"the SEQUENCE has {sequence.Count} elements, not {count}");
            }

            return sequence;
        }

        /// <summary>The magnitude of a positive INTEGER (without a sign byte).</summary>
        public static byte[] PositiveInteger(Asn1Encodable element, string what, string field)
        {
            if (!(element is DerInteger integer))
            {
                throw Invalid(what, $"{field} is not an INTEGER");
            }

            if (integer.Value.SignValue <= 0)
            {
                throw Invalid(what, integer.Value.SignValue == 0 ? $"{field} is zero" : $"{field} is negative");
            }

            return integer.Value.ToByteArrayUnsigned();
        }

        public static SshFormatException Invalid(string what, string why) =>
            new SshFormatException($"Malformed {what}: {why}.", "DerInvalid");
    }
}
