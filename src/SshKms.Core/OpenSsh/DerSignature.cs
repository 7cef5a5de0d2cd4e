using System;
using System.Text;

namespace SshKms.Core.OpenSsh
{
    /// <summary>
    /// ECDSA signatures as KMS returns them: DER Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279),
    /// turned into the SSH "mpint r, mpint s" signature bytes (RFC 5656 3.1.2).
    /// </summary>
    public static class DerSignature
    {
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

            DerReader sequence = DerReader.ReadWhole(der, "ECDSA signature", "Ecdsa-Sig-Value");
            byte[] r = sequence.ReadPositiveInteger("r");
            byte[] s = sequence.ReadPositiveInteger("s");
            sequence.EnsureEnd();
            if (coordinateLength is int max && (r.Length > max || s.Length > max))
            {
                throw new SshFormatException($"Malformed ECDSA signature: r or s is longer than the curve's {max} bytes.", "SshSignatureInvalid");
            }

            return new SshWriter().WriteMpint(r).WriteMpint(s).ToArray();
        }
    }

    /// <summary>
    /// A strict reader for the little DER we meet (SEQUENCE, INTEGER, OID, NULL, BIT STRING). Every length is checked
    /// against the bytes that remain, so malformed input only ever gives an <see cref="SshFormatException"/>.
    /// </summary>
    internal sealed class DerReader
    {
        internal const byte IntegerTag = 0x02;
        internal const byte BitStringTag = 0x03;
        internal const byte NullTag = 0x05;
        internal const byte OidTag = 0x06;
        internal const byte SequenceTag = 0x30;

        private readonly byte[] _data;
        private readonly int _end;
        private readonly string _what;
        private int _pos;

        internal DerReader(byte[] data, string what)
            : this(data, 0, data.Length, what)
        {
        }

        private DerReader(byte[] data, int offset, int end, string what)
        {
            _data = data;
            _pos = offset;
            _end = end;
            _what = what;
        }

        internal bool HasMore => _pos < _end;

        /// <summary>Reads <paramref name="der"/> as exactly one SEQUENCE, nothing before or after, and returns its contents.</summary>
        internal static DerReader ReadWhole(byte[] der, string what, string field)
        {
            var outer = new DerReader(der, what);
            DerReader sequence = outer.ReadSequence(field);
            outer.EnsureEnd();
            return sequence;
        }

        internal byte PeekTag(string field)
        {
            if (_pos >= _end)
            {
                throw Error($"{field} is missing");
            }

            return _data[_pos];
        }

        internal DerReader ReadSequence(string field)
        {
            int length = ReadHeader(SequenceTag, field);
            var inner = new DerReader(_data, _pos, _pos + length, _what);
            _pos += length;
            return inner;
        }

        /// <summary>The magnitude of a non-negative minimal INTEGER, without the sign byte.</summary>
        internal byte[] ReadPositiveInteger(string field)
        {
            byte[] content = ReadPrimitive(IntegerTag, field);
            if (content.Length == 0)
            {
                throw Error($"{field} is an empty INTEGER");
            }

            if ((content[0] & 0x80) != 0)
            {
                throw Error($"{field} is negative");
            }

            if (content.Length > 1 && content[0] == 0 && (content[1] & 0x80) == 0)
            {
                throw Error($"{field} is not minimally encoded");
            }

            int skip = content[0] == 0 ? 1 : 0;
            if (content.Length - skip == 0)
            {
                throw Error($"{field} is zero");
            }

            var magnitude = new byte[content.Length - skip];
            Buffer.BlockCopy(content, skip, magnitude, 0, magnitude.Length);
            return magnitude;
        }

        /// <summary>The OID's content bytes (compare with <see cref="Oids"/>).</summary>
        internal byte[] ReadOid(string field)
        {
            byte[] content = ReadPrimitive(OidTag, field);
            if (content.Length == 0 || (content[content.Length - 1] & 0x80) != 0)
            {
                throw Error($"{field} is not a valid OBJECT IDENTIFIER");
            }

            return content;
        }

        internal void ReadNull(string field)
        {
            if (ReadPrimitive(NullTag, field).Length != 0)
            {
                throw Error($"{field} NULL has content");
            }
        }

        /// <summary>The bits of a BIT STRING that has no unused bits, as every key encoding here does.</summary>
        internal byte[] ReadBitString(string field)
        {
            byte[] content = ReadPrimitive(BitStringTag, field);
            if (content.Length == 0 || content[0] != 0)
            {
                throw Error($"{field} BIT STRING has unused bits or no content");
            }

            var bits = new byte[content.Length - 1];
            Buffer.BlockCopy(content, 1, bits, 0, bits.Length);
            return bits;
        }

        internal void EnsureEnd()
        {
            if (_pos != _end)
            {
                throw Error($"{_end - _pos} unexpected trailing byte(s)");
            }
        }

        internal SshFormatException Error(string why) =>
            new SshFormatException($"Malformed {_what}: {why}.", "DerInvalid");

        private byte[] ReadPrimitive(byte tag, string field)
        {
            int length = ReadHeader(tag, field);
            var content = new byte[length];
            Buffer.BlockCopy(_data, _pos, content, 0, length);
            _pos += length;
            return content;
        }

        private int ReadHeader(byte tag, string field)
        {
            byte actual = PeekTag(field);
            if (actual != tag)
            {
                throw Error($"{field} has tag 0x{actual:x2}, expected 0x{tag:x2}");
            }

            _pos++;
            if (_pos >= _end)
            {
                throw Error($"{field} has no length");
            }

            int first = _data[_pos++];
            int length;
            if (first < 0x80)
            {
                length = first;
            }
            else
            {
                int count = first & 0x7f;
                if (count == 0)
                {
                    throw Error($"{field} uses an indefinite length, which DER forbids");
                }

                if (count > 3)
                {
                    throw Error($"{field} has an oversized length");
                }

                if (_end - _pos < count)
                {
                    throw Error($"{field} length is truncated");
                }

                length = 0;
                for (int i = 0; i < count; i++)
                {
                    length = (length << 8) | _data[_pos++];
                }

                if (length < 0x80 || (count > 1 && length < (1 << (8 * (count - 1)))))
                {
                    throw Error($"{field} length is not minimally encoded");
                }
            }

            if (length > _end - _pos)
            {
                throw Error($"{field} claims {length} bytes but only {_end - _pos} remain");
            }

            return length;
        }

        /// <summary>Dotted form of OID content bytes, for error messages.</summary>
        internal static string OidToString(byte[] content)
        {
            var sb = new StringBuilder();
            long value = 0;
            bool first = true;
            foreach (byte b in content)
            {
                value = (value << 7) | (uint)(b & 0x7f);
                if ((b & 0x80) != 0)
                {
                    if (value > int.MaxValue)
                    {
                        return "(oversized OID)";
                    }

                    continue;
                }

                if (first)
                {
                    long top = value < 40 ? 0 : value < 80 ? 1 : 2;
                    sb.Append(top).Append('.').Append(value - 40 * top);
                    first = false;
                }
                else
                {
                    sb.Append('.').Append(value);
                }

                value = 0;
            }

            return sb.ToString();
        }
    }
}
