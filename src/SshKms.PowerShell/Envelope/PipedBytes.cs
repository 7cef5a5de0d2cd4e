using System;
using System.Collections.Generic;

namespace SshKms.PowerShell.Envelope
{
    /// <summary>
    /// PowerShell unrolls a byte[] sent down the pipeline into one record per byte (Get-Content -AsByteStream
    /// -ReadCount n into n-byte arrays), so encrypting or decrypting per record would make one message per byte.
    /// The envelope cmdlets gather every piped byte record here and process the whole once, in EndProcessing.
    /// Only the records PowerShell bound are held (no copies of our own); <see cref="ToArray"/> makes the one
    /// copy, which the operation zeroes when done.
    /// </summary>
    internal sealed class PipedBytes
    {
        private readonly List<byte[]> _records = new List<byte[]>();
        private int _length;

        /// <summary>At least one byte record came down the pipeline (an empty byte[] sends none).</summary>
        public bool Any { get; private set; }

        public void Add(byte[]? record)
        {
            Any = true;
            if (record != null)
            {
                _records.Add(record);
                _length += record.Length;
            }
        }

        /// <summary>Everything gathered, as one new array.</summary>
        public byte[] ToArray()
        {
            byte[] all = new byte[_length];
            int offset = 0;
            foreach (byte[] record in _records)
            {
                Buffer.BlockCopy(record, 0, all, offset, record.Length);
                offset += record.Length;
            }

            return all;
        }
    }
}
