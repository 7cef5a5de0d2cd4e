using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace SshKms.Core.Envelope
{
    /// <summary>Big-endian fields as the message format lays them out.</summary>
    internal sealed class EnvelopeWriter
    {
        private readonly MemoryStream _buffer = new MemoryStream();

        public void Byte(byte value) => _buffer.WriteByte(value);

        public void UInt16(int value)
        {
            if (value < 0 || value > ushort.MaxValue)
            {
                throw EnvelopeErrors.ContextInvalid("a field is longer than 65535 bytes");
            }

            _buffer.WriteByte((byte)(value >> 8));
            _buffer.WriteByte((byte)value);
        }

        public void UInt32(uint value)
        {
            _buffer.WriteByte((byte)(value >> 24));
            _buffer.WriteByte((byte)(value >> 16));
            _buffer.WriteByte((byte)(value >> 8));
            _buffer.WriteByte((byte)value);
        }

        public void Bytes(byte[] value) => _buffer.Write(value, 0, value.Length);

        public void ShortBytes(byte[] value)
        {
            UInt16(value.Length);
            Bytes(value);
        }

        public byte[] ToArray() => _buffer.ToArray();

        public static void PutUInt32(byte[] target, int offset, uint value)
        {
            target[offset] = (byte)(value >> 24);
            target[offset + 1] = (byte)(value >> 16);
            target[offset + 2] = (byte)(value >> 8);
            target[offset + 3] = (byte)value;
        }

        public static void PutUInt64(byte[] target, int offset, ulong value)
        {
            for (int i = 7; i >= 0; i--)
            {
                target[offset + i] = (byte)value;
                value >>= 8;
            }
        }
    }
}
