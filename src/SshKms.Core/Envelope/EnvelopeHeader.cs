using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SshKms.Core.Envelope
{
    /// <summary>The message format version 2 header, framed content only.</summary>
    internal sealed class EnvelopeHeader
    {
        private const byte FramedContent = 2;

        public ushort SuiteId { get; set; }

        public byte[] MessageId { get; set; } = new byte[EnvelopeSuite.MessageIdLength];

        public SortedDictionary<string, string> Context { get; set; } = new SortedDictionary<string, string>();

        public List<EncryptedDataKey> DataKeys { get; } = new List<EncryptedDataKey>();

        public uint FrameLength { get; set; }

        public byte[] Commitment { get; set; } = new byte[EnvelopeSuite.CommitmentLength];

        /// <summary>Everything the header authentication tag covers.</summary>
        public byte[] Serialize()
        {
            var w = new EnvelopeWriter();
            w.Byte(EnvelopeSuite.MessageFormatVersion);
            w.UInt16(SuiteId);
            w.Bytes(MessageId);
            w.ShortBytes(EncryptionContext.Serialize(Context));
            w.UInt16(DataKeys.Count);
            foreach (EncryptedDataKey edk in DataKeys)
            {
                w.ShortBytes(Encoding.UTF8.GetBytes(edk.ProviderId));
                w.ShortBytes(edk.ProviderInfo);
                w.ShortBytes(edk.Ciphertext);
            }

            w.Byte(FramedContent);
            w.UInt32(FrameLength);
            w.Bytes(Commitment);
            return w.ToArray();
        }

        /// <summary>Reads the header body; returns it with its exact bytes (the header auth AAD). Refuses versions, suites and more than maxDataKeys keys early.</summary>
        public static async Task<(EnvelopeHeader Header, byte[] Bytes)> ReadAsync(EnvelopeInput input, CancellationToken ct,
            int maxDataKeys = EnvelopeDecryptOptions.DefaultMaxEncryptedDataKeys)
        {
            var capture = new MemoryStream();
            input.Capture = capture;
            var header = new EnvelopeHeader();
            byte version = await input.ReadByteAsync(ct).ConfigureAwait(false);
            if (version != EnvelopeSuite.MessageFormatVersion)
            {
                throw EnvelopeErrors.VersionUnsupported(version);
            }

            header.SuiteId = await input.ReadUInt16Async(ct).ConfigureAwait(false);
            if (!EnvelopeSuite.IsSupported(header.SuiteId))
            {
                throw EnvelopeErrors.SuiteUnsupported(header.SuiteId);
            }

            header.MessageId = await input.ReadBytesAsync(EnvelopeSuite.MessageIdLength, ct).ConfigureAwait(false);
            header.Context = EncryptionContext.Parse(await input.ReadShortBytesAsync(ct).ConfigureAwait(false));
            int keys = await input.ReadUInt16Async(ct).ConfigureAwait(false);
            if (keys == 0)
            {
                throw EnvelopeErrors.HeaderInvalid("it carries no encrypted data key");
            }

            if (keys > maxDataKeys)
            {
                // Before reading them: a message must not make us try (and call KMS for) thousands of keys.
                throw EnvelopeErrors.TooManyDataKeys(keys, maxDataKeys);
            }

            var utf8 = new UTF8Encoding(false, true);
            for (int i = 0; i < keys; i++)
            {
                byte[] providerId = await input.ReadShortBytesAsync(ct).ConfigureAwait(false);
                byte[] providerInfo = await input.ReadShortBytesAsync(ct).ConfigureAwait(false);
                byte[] ciphertext = await input.ReadShortBytesAsync(ct).ConfigureAwait(false);
                string id;
                try
                {
                    id = utf8.GetString(providerId);
                }
                catch (DecoderFallbackException)
                {
                    throw EnvelopeErrors.HeaderInvalid("a key provider id is not UTF-8");
                }

                header.DataKeys.Add(new EncryptedDataKey(id, providerInfo, ciphertext));
            }

            byte contentType = await input.ReadByteAsync(ct).ConfigureAwait(false);
            if (contentType != FramedContent)
            {
                throw EnvelopeErrors.HeaderInvalid($"content type {contentType} is not framed content (2)");
            }

            header.FrameLength = await input.ReadUInt32Async(ct).ConfigureAwait(false);
            if (header.FrameLength == 0 || header.FrameLength > EnvelopeSuite.MaxFrameLength)
            {
                throw EnvelopeErrors.HeaderInvalid($"frame length {header.FrameLength} is outside 1..{EnvelopeSuite.MaxFrameLength}");
            }

            header.Commitment = await input.ReadBytesAsync(EnvelopeSuite.CommitmentLength, ct).ConfigureAwait(false);
            input.Capture = null;
            return (header, capture.ToArray());
        }
    }
}
