using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace SshKms.Core.Envelope
{
    /// <summary>
    /// Batches the small frame-sized reads or writes on the plaintext side into large ones, like BufferedStream,
    /// but zeroes its buffer on Dispose: BufferedStream would leave the last 256 KiB of plaintext for the GC.
    /// It does not own the stream it wraps. One direction per instance: reading or writing.
    /// </summary>
    internal sealed class PlaintextBuffer : Stream
    {
        private const int Size = 256 * 1024;

        private readonly Stream _inner;
        private readonly bool _writing;
        private readonly byte[] _buffer = new byte[Size];
        private int _position;
        private int _length;

        private PlaintextBuffer(Stream inner, bool writing)
        {
            _inner = inner;
            _writing = writing;
        }

        public static PlaintextBuffer ForReading(Stream inner) => new PlaintextBuffer(inner, writing: false);

        public static PlaintextBuffer ForWriting(Stream inner) => new PlaintextBuffer(inner, writing: true);

        public override bool CanRead => !_writing;

        public override bool CanSeek => false;

        public override bool CanWrite => _writing;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            if (_position == _length)
            {
                _length = await _inner.ReadAsync(_buffer, 0, _buffer.Length, cancellationToken).ConfigureAwait(false);
                _position = 0;
            }

            return Take(buffer, offset, count);
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position == _length)
            {
                _length = _inner.Read(_buffer, 0, _buffer.Length);
                _position = 0;
            }

            return Take(buffer, offset, count);
        }

        public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            while (count > 0)
            {
                if (_length == _buffer.Length)
                {
                    await DrainAsync(cancellationToken).ConfigureAwait(false);
                }

                int n = Math.Min(count, _buffer.Length - _length);
                Buffer.BlockCopy(buffer, offset, _buffer, _length, n);
                _length += n;
                offset += n;
                count -= n;
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            if (_writing)
            {
                await DrainAsync(cancellationToken).ConfigureAwait(false);
                await _inner.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            Wipe.Bytes(_buffer);
            _position = _length = 0;
            base.Dispose(disposing);
        }

        private int Take(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(count, _length - _position);
            Buffer.BlockCopy(_buffer, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        private async Task DrainAsync(CancellationToken cancellationToken)
        {
            if (_length > 0)
            {
                await _inner.WriteAsync(_buffer, 0, _length, cancellationToken).ConfigureAwait(false);
                Wipe.Bytes(_buffer, 0, _length);
                _length = 0;
            }
        }
    }
}
