using System;
using System.Text;

namespace SshKms.Core.OpenSsh
{
    /// <summary>
    /// Reads the RFC 4251 wire types. Every length is checked against the bytes that remain before anything
    /// is allocated, so hostile input can only ever produce an <see cref="SshFormatException"/>.
    /// </summary>
    public sealed class SshReader
    {
        private readonly byte[] _data;
        private readonly int _end;
        private readonly string _what;
        private int _pos;

        public SshReader(byte[] data, string what)
            : this(data, 0, data.Length, what)
        {
        }

        public SshReader(byte[] data, int offset, int count, string what)
        {
            _data = data ?? throw new ArgumentNullException(nameof(data));
            if (offset < 0 || count < 0 || offset + count > data.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(count));
            }

            _pos = offset;
            _end = offset + count;
            _what = what;
        }

        public int Remaining => _end - _pos;

        public bool AtEnd => _pos == _end;

        public byte ReadByte()
        {
            Need(1, "byte");
            return _data[_pos++];
        }

        public bool ReadBoolean() => ReadByte() != 0;

        public uint ReadUInt32()
        {
            Need(4, "uint32");
            uint v = ((uint)_data[_pos] << 24) | ((uint)_data[_pos + 1] << 16) | ((uint)_data[_pos + 2] << 8) | _data[_pos + 3];
            _pos += 4;
            return v;
        }

        public ulong ReadUInt64()
        {
            ulong hi = ReadUInt32();
            ulong lo = ReadUInt32();
            return (hi << 32) | lo;
        }

        /// <summary>An SSH "string": uint32 length, then that many bytes.</summary>
        public byte[] ReadBytes(string field)
        {
            int length = ReadLength(field);
            var result = new byte[length];
            Buffer.BlockCopy(_data, _pos, result, 0, length);
            _pos += length;
            return result;
        }

        /// <summary>An SSH string that must hold valid UTF-8 text without NUL characters.</summary>
        public string ReadString(string field)
        {
            int length = ReadLength(field);
            string text;
            try
            {
                text = new UTF8Encoding(false, true).GetString(_data, _pos, length);
            }
            catch (DecoderFallbackException)
            {
                throw Error($"{field} is not valid UTF-8");
            }

            if (text.IndexOf('\0') >= 0)
            {
                throw Error($"{field} contains a NUL character");
            }

            _pos += length;
            return text;
        }

        /// <summary>An mpint, returned as its unsigned big-endian magnitude without leading zeros.</summary>
        public byte[] ReadMpint(string field)
        {
            byte[] raw = ReadBytes(field);
            if (raw.Length > 0 && (raw[0] & 0x80) != 0)
            {
                throw Error($"{field} is a negative mpint");
            }

            int skip = 0;
            while (skip < raw.Length && raw[skip] == 0)
            {
                skip++;
            }

            if (skip > 1 || (skip == 1 && (raw.Length == 1 || (raw[1] & 0x80) == 0)))
            {
                throw Error($"{field} is an mpint with unnecessary leading zeros");
            }

            if (skip == 0)
            {
                return raw;
            }

            var magnitude = new byte[raw.Length - skip];
            Buffer.BlockCopy(raw, skip, magnitude, 0, magnitude.Length);
            Array.Clear(raw, 0, raw.Length);
            return magnitude;
        }

        /// <summary>The rest of the buffer, unframed.</summary>
        public byte[] ReadRest()
        {
            var rest = new byte[Remaining];
            Buffer.BlockCopy(_data, _pos, rest, 0, rest.Length);
            _pos = _end;
            return rest;
        }

        public void EnsureEnd()
        {
            if (!AtEnd)
            {
                throw Error($"{Remaining} unexpected trailing byte(s)");
            }
        }

        public SshFormatException Error(string problem) => new SshFormatException($"Malformed {_what}: {problem}.");

        private int ReadLength(string field)
        {
            uint length = ReadUInt32();
            if (length > (uint)Remaining)
            {
                throw Error($"{field} claims {length} bytes but only {Remaining} remain");
            }

            return (int)length;
        }

        private void Need(int count, string type)
        {
            if (Remaining < count)
            {
                throw Error($"truncated: expected a {type} but only {Remaining} byte(s) remain");
            }
        }
    }
}
