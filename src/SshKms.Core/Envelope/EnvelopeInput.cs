using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;

namespace SshKms.Core.Envelope
{
    /// <summary>
    /// Exact reads from the message stream: a short read is EnvelopeTruncated. Optionally copies what it reads
    /// into the header buffer (header AAD) and the signature hash (everything before the footer).
    /// </summary>
    internal sealed class EnvelopeInput : IDisposable
    {
        private readonly Stream _stream;
        private readonly byte[] _small = new byte[8];

        public EnvelopeInput(Stream stream)
        {
            _stream = stream;
        }

        public MemoryStream? Capture { get; set; }

        public IncrementalHash? Hash { get; set; }

        public async Task ReadExactAsync(byte[] buffer, int offset, int count, CancellationToken ct)
        {
            int done = 0;
            while (done < count)
            {
                int n = await _stream.ReadAsync(buffer, offset + done, count - done, ct).ConfigureAwait(false);
                if (n == 0)
                {
                    throw EnvelopeErrors.Truncated();
                }

                done += n;
            }

            Capture?.Write(buffer, offset, count);
            Hash?.AppendData(buffer, offset, count);
        }

        public async Task<byte[]> ReadBytesAsync(int count, CancellationToken ct)
        {
            byte[] value = new byte[count];
            await ReadExactAsync(value, 0, count, ct).ConfigureAwait(false);
            return value;
        }

        public async Task<byte> ReadByteAsync(CancellationToken ct)
        {
            await ReadExactAsync(_small, 0, 1, ct).ConfigureAwait(false);
            return _small[0];
        }

        public async Task<ushort> ReadUInt16Async(CancellationToken ct)
        {
            await ReadExactAsync(_small, 0, 2, ct).ConfigureAwait(false);
            return (ushort)((_small[0] << 8) | _small[1]);
        }

        public async Task<uint> ReadUInt32Async(CancellationToken ct)
        {
            await ReadExactAsync(_small, 0, 4, ct).ConfigureAwait(false);
            return ((uint)_small[0] << 24) | ((uint)_small[1] << 16) | ((uint)_small[2] << 8) | _small[3];
        }

        public async Task<byte[]> ReadShortBytesAsync(CancellationToken ct) =>
            await ReadBytesAsync(await ReadUInt16Async(ct).ConfigureAwait(false), ct).ConfigureAwait(false);

        /// <summary>
        /// True when the stream has ended: a complete message has nothing after it. In base64 message text,
        /// whitespace may follow the message but anything else (base64 or not) is bytes after it, not a base64 error.
        /// </summary>
        public async Task<bool> AtEndAsync(CancellationToken ct)
        {
            try
            {
                return await _stream.ReadAsync(_small, 0, 1, ct).ConfigureAwait(false) == 0;
            }
            catch (SshKmsException ex) when (ex.ErrorId == "EnvelopeBase64Invalid")
            {
                return false;
            }
        }

        public void Dispose() => Hash?.Dispose();
    }
}
