using System;
using System.IO;
using SshKms.Core.Envelope;

namespace SshKms.PowerShell.Envelope
{
    /// <summary>
    /// PowerShell unrolls a byte[] sent down the pipeline into one record per byte (Get-Content -AsByteStream
    /// -ReadCount n into n-byte arrays), so encrypting or decrypting per record would make one message per byte.
    /// The envelope cmdlets gather every piped byte record here and process the whole once, in EndProcessing.
    /// The buffer is zeroed when read out or disposed: for Protect it holds plaintext.
    /// </summary>
    internal sealed class PipedBytes : IDisposable
    {
        private readonly PlaintextMemoryStream _bytes = new PlaintextMemoryStream();

        /// <summary>At least one byte record came down the pipeline (an empty byte[] sends none).</summary>
        public bool Any { get; private set; }

        public void Add(byte[]? record)
        {
            Any = true;
            if (record != null)
            {
                _bytes.Write(record, 0, record.Length);
            }
        }

        /// <summary>Everything gathered, from the start; disposing the stream zeroes it.</summary>
        public Stream Open()
        {
            _bytes.Position = 0;
            return _bytes;
        }

        public void Dispose() => _bytes.Dispose();
    }
}
