using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace SshKms.Core.Envelope
{
    /// <summary>The ESDK's encryption context serialization: count, then (key, value) pairs sorted by UTF-8 key bytes.</summary>
    internal static class EncryptionContext
    {
        public const string ReservedPrefix = "aws-crypto-";

        public static SortedDictionary<string, string> Copy(IEnumerable<KeyValuePair<string, string>>? context, bool allowReserved)
        {
            var copy = new SortedDictionary<string, string>(Utf8Order.Instance);
            if (context == null)
            {
                return copy;
            }

            foreach (KeyValuePair<string, string> pair in context)
            {
                if (string.IsNullOrEmpty(pair.Key))
                {
                    throw EnvelopeErrors.ContextInvalid("a key is empty");
                }

                if (pair.Value == null)
                {
                    throw EnvelopeErrors.ContextInvalid($"the value of '{pair.Key}' is null");
                }

                if (!allowReserved && pair.Key.StartsWith(ReservedPrefix, StringComparison.Ordinal))
                {
                    throw EnvelopeErrors.ContextInvalid($"keys starting with '{ReservedPrefix}' are reserved for the AWS Encryption SDK");
                }

                if (copy.ContainsKey(pair.Key))
                {
                    throw EnvelopeErrors.ContextInvalid($"the key '{pair.Key}' appears twice");
                }

                copy.Add(pair.Key, pair.Value);
            }

            return copy;
        }

        /// <summary>The bytes the header's AAD field and the raw AES keyring's AAD carry; empty for an empty context.</summary>
        public static byte[] Serialize(SortedDictionary<string, string> context)
        {
            if (context.Count == 0)
            {
                return Array.Empty<byte>();
            }

            var w = new EnvelopeWriter();
            w.UInt16(context.Count);
            foreach (KeyValuePair<string, string> pair in context)
            {
                w.ShortBytes(Encoding.UTF8.GetBytes(pair.Key));
                w.ShortBytes(Encoding.UTF8.GetBytes(pair.Value));
            }

            return w.ToArray();
        }

        public static SortedDictionary<string, string> Parse(byte[] bytes)
        {
            var context = new SortedDictionary<string, string>(Utf8Order.Instance);
            if (bytes.Length == 0)
            {
                return context;
            }

            var utf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);
            int pos = 0;
            int count = ReadUInt16(bytes, ref pos);
            if (count == 0)
            {
                throw EnvelopeErrors.HeaderInvalid("the encryption context has a zero count but a non-zero length");
            }

            try
            {
                for (int i = 0; i < count; i++)
                {
                    string key = utf8.GetString(ReadShortBytes(bytes, ref pos));
                    string value = utf8.GetString(ReadShortBytes(bytes, ref pos));
                    if (context.ContainsKey(key))
                    {
                        throw EnvelopeErrors.HeaderInvalid("the encryption context repeats a key");
                    }

                    context.Add(key, value);
                }
            }
            catch (DecoderFallbackException)
            {
                throw EnvelopeErrors.HeaderInvalid("the encryption context is not UTF-8");
            }

            if (pos != bytes.Length)
            {
                throw EnvelopeErrors.HeaderInvalid("the encryption context length does not match its contents");
            }

            return context;
        }

        private static int ReadUInt16(byte[] bytes, ref int pos)
        {
            if (pos + 2 > bytes.Length)
            {
                throw EnvelopeErrors.HeaderInvalid("the encryption context is cut short");
            }

            int value = (bytes[pos] << 8) | bytes[pos + 1];
            pos += 2;
            return value;
        }

        private static byte[] ReadShortBytes(byte[] bytes, ref int pos)
        {
            int length = ReadUInt16(bytes, ref pos);
            if (pos + length > bytes.Length)
            {
                throw EnvelopeErrors.HeaderInvalid("the encryption context is cut short");
            }

            byte[] value = new byte[length];
            Buffer.BlockCopy(bytes, pos, value, 0, length);
            pos += length;
            return value;
        }

        /// <summary>The spec sorts by the keys' UTF-8 bytes, which differs from UTF-16 ordinal order above U+FFFF.</summary>
        private sealed class Utf8Order : IComparer<string>
        {
            public static readonly Utf8Order Instance = new Utf8Order();

            public int Compare(string? x, string? y)
            {
                byte[] a = Encoding.UTF8.GetBytes(x ?? string.Empty);
                byte[] b = Encoding.UTF8.GetBytes(y ?? string.Empty);
                for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
                {
                    if (a[i] != b[i])
                    {
                        return a[i].CompareTo(b[i]);
                    }
                }

                return a.Length.CompareTo(b.Length);
            }
        }
    }
}
