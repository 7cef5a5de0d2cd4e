using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace SshKms.Core.Envelope
{
    /// <summary>
    /// Strict streaming base64 decoder for message text: whitespace is skipped, anything else that is not
    /// base64 (a stray character, an incomplete last group, data after padding) is a fault. Bytes decoded
    /// before a fault are still returned; the read that would pass the fault throws EnvelopeBase64Invalid
    /// instead of returning 0, so bad text is never taken for a clean end (CryptoStream with
    /// FromBase64Transform threw FormatException, and silently dropped an incomplete last group).
    /// </summary>
    internal sealed class Base64InputStream : ReadOnlyWrapperStream
    {
        private const int TextChunk = 64 * 1024;

        private readonly byte[] _text = new byte[TextChunk];
        private readonly byte[] _decoded = new byte[TextChunk / 4 * 3 + 3];
        private readonly int[] _group = new int[4];
        private int _groupLength;
        private int _padding;
        private bool _closedByPadding;
        private int _position;
        private int _length;
        private bool _fault;
        private bool _ended;

        public Base64InputStream(Stream inner)
            : base(inner)
        {
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            while (_position == _length && !_ended && !_fault)
            {
                Decode(Inner.Read(_text, 0, _text.Length));
            }

            return Take(buffer, offset, count);
        }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            while (_position == _length && !_ended && !_fault)
            {
                Decode(await Inner.ReadAsync(_text, 0, _text.Length, cancellationToken).ConfigureAwait(false));
            }

            return Take(buffer, offset, count);
        }

        private int Take(byte[] buffer, int offset, int count)
        {
            if (_position == _length)
            {
                if (_fault && count > 0)
                {
                    throw EnvelopeErrors.Base64Invalid();
                }

                return 0;
            }

            int n = Math.Min(count, _length - _position);
            Buffer.BlockCopy(_decoded, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        /// <summary>Decodes count characters of _text into _decoded; 0 characters is the end of the text.</summary>
        private void Decode(int count)
        {
            _position = 0;
            _length = 0;
            if (count == 0)
            {
                _ended = true;
                _fault = _groupLength != 0;
                return;
            }

            for (int i = 0; i < count; i++)
            {
                byte c = _text[i];
                if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
                {
                    continue;
                }

                int value = Value(c);
                bool pad = c == '=';
                // Nothing may follow a padded group; '=' only ends a group of 2 or 3; no data after a '='.
                if (_closedByPadding || (value < 0 && !pad) || (pad && _groupLength < 2) || (!pad && _padding > 0))
                {
                    _fault = true;
                    return;
                }

                if (pad)
                {
                    _padding++;
                }

                _group[_groupLength++] = pad ? 0 : value;
                if (_groupLength == 4)
                {
                    int bits = (_group[0] << 18) | (_group[1] << 12) | (_group[2] << 6) | _group[3];
                    _decoded[_length++] = (byte)(bits >> 16);
                    if (_padding < 2)
                    {
                        _decoded[_length++] = (byte)(bits >> 8);
                    }

                    if (_padding < 1)
                    {
                        _decoded[_length++] = (byte)bits;
                    }

                    _closedByPadding = _padding > 0;
                    _groupLength = 0;
                }
            }
        }

        private static int Value(byte c)
        {
            if (c >= 'A' && c <= 'Z')
            {
                return c - 'A';
            }

            if (c >= 'a' && c <= 'z')
            {
                return c - 'a' + 26;
            }

            if (c >= '0' && c <= '9')
            {
                return c - '0' + 52;
            }

            return c == '+' ? 62 : c == '/' ? 63 : -1;
        }
    }
}
