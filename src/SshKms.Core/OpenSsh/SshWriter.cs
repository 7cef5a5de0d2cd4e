using System;
using System.IO;
using System.Text;

namespace SshKms.Core.OpenSsh
{
    /// <summary>Writes the RFC 4251 wire types.</summary>
    public sealed class SshWriter
    {
        private readonly MemoryStream _buffer = new MemoryStream();

        public int Length => (int)_buffer.Length;

        public SshWriter WriteByte(byte value)
        {
            _buffer.WriteByte(value);
            return this;
        }

        public SshWriter WriteBoolean(bool value) => WriteByte(value ? (byte)1 : (byte)0);

        public SshWriter WriteUInt32(uint value)
        {
            _buffer.WriteByte((byte)(value >> 24));
            _buffer.WriteByte((byte)(value >> 16));
            _buffer.WriteByte((byte)(value >> 8));
            _buffer.WriteByte((byte)value);
            return this;
        }

        public SshWriter WriteUInt64(ulong value)
        {
            WriteUInt32((uint)(value >> 32));
            return WriteUInt32((uint)value);
        }

        public SshWriter WriteBytes(byte[] value)
        {
            WriteUInt32((uint)value.Length);
            _buffer.Write(value, 0, value.Length);
            return this;
        }

        public SshWriter WriteString(string value) => WriteBytes(Encoding.UTF8.GetBytes(value));

        /// <summary>Writes an unsigned big-endian magnitude as an mpint.</summary>
        public SshWriter WriteMpint(byte[] magnitude)
        {
            int skip = 0;
            while (skip < magnitude.Length && magnitude[skip] == 0)
            {
                skip++;
            }

            int length = magnitude.Length - skip;
            bool pad = length > 0 && (magnitude[skip] & 0x80) != 0;
            WriteUInt32((uint)(length + (pad ? 1 : 0)));
            if (pad)
            {
                _buffer.WriteByte(0);
            }

            _buffer.Write(magnitude, skip, length);
            return this;
        }

        /// <summary>Appends bytes without a length prefix.</summary>
        public SshWriter WriteRaw(byte[] value)
        {
            _buffer.Write(value, 0, value.Length);
            return this;
        }

        public byte[] ToArray() => _buffer.ToArray();

        /// <summary>Copies out and wipes the internal buffer; for writers that held private key material.</summary>
        public byte[] ToArrayAndClear()
        {
            byte[] result = _buffer.ToArray();
            byte[] internalBuffer = _buffer.GetBuffer();
            Array.Clear(internalBuffer, 0, internalBuffer.Length);
            _buffer.SetLength(0);
            return result;
        }
    }
}
