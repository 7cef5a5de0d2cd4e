using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Keys;

namespace SshKms.Core.Envelope
{
    /// <summary>
    /// Envelope encryption in the AWS Encryption SDK message format version 2, framed, streaming in constant
    /// memory. Decrypt releases a frame only after its tag verifies; for the signed suite, callers that need
    /// the whole message verified before acting (files) use the *File methods, which rename into place last.
    /// </summary>
    internal static class EnvelopeCipher
    {
        private const string FrameString = "AWSKMSEncryptionClient Frame";
        private const string FinalFrameString = "AWSKMSEncryptionClient Final Frame";
        private const uint FinalFrameMarker = 0xFFFFFFFF;

        public static async Task<EnvelopeMessageInfo> EncryptAsync(Stream plaintext, Stream output, EnvelopeEncryptOptions options, CancellationToken ct = default)
        {
            using (var keyring = KeyringFor(options.Key, options.Aws, options.CreateKey))
            {
                EnvelopeMessageInfo info = await EncryptAsync(plaintext, output, options, keyring.Keyring, AesGcmCipher.Create, ct).ConfigureAwait(false);
                info.CreatedKey = (keyring.Keyring as LocalEnvelopeKeyring)?.Created;
                return info;
            }
        }

        public static async Task<EnvelopeMessageInfo> DecryptAsync(Stream message, Stream output, EnvelopeDecryptOptions options, CancellationToken ct = default)
        {
            KmsDiscoveryFilter? filter = KmsDiscoveryFilter.From(options);
            var keyrings = new List<KeyringHandle>();
            try
            {
                if (options.AllowedKeys.Count == 0)
                {
                    keyrings.Add(new KeyringHandle(new LocalEnvelopeKeyring(null), null));
                    var kms = new KmsEnvelopeKeyring(options.Aws, null, filter);
                    keyrings.Add(new KeyringHandle(kms, kms));
                }
                else
                {
                    keyrings.AddRange(options.AllowedKeys.Select(k => KeyringFor(k, options.Aws, create: false)));
                }

                return await DecryptAsync(message, output, options, keyrings.Select(k => k.Keyring).ToList(), options.AllowedKeys.Count > 0 || filter != null, AesGcmCipher.Create, ct).ConfigureAwait(false);
            }
            finally
            {
                keyrings.ForEach(k => k.Dispose());
            }
        }

        /// <summary>
        /// A message as bytes, or as base64 text (what --base64 / -AsBase64 write): v2 messages start with byte 0x02,
        /// whose base64 starts with 'A', and 'A' (0x41) is no message format version.
        /// </summary>
        public static Stream DetectBase64(Stream input)
        {
            var buffered = new BufferedStream(input, 64 * 1024);
            int first = buffered.ReadByte();
            // Base64 text may start with blank space (an indented paste); a binary message never does (it starts 0x02).
            bool indented = false;
            while (first == ' ' || first == '\t' || first == '\r' || first == '\n')
            {
                indented = true;
                first = buffered.ReadByte();
            }

            var whole = new PrefixedStream(first < 0 ? Array.Empty<byte>() : new[] { (byte)first }, buffered);
            return first == 'A' || indented ? new Base64InputStream(whole) : (Stream)whole;
        }

        internal static async Task<EnvelopeMessageInfo> EncryptAsync(Stream plaintext, Stream output, EnvelopeEncryptOptions options,
            IEnvelopeKeyring keyring, Func<byte[], IAesGcmCipher> gcmFactory, CancellationToken ct)
        {
            if (options.FrameLength <= 0 || options.FrameLength > EnvelopeSuite.MaxFrameLength)
            {
                throw new SshKmsException("EnvelopeFrameLengthInvalid", SshKmsErrorCategory.InvalidArgument, $"The frame length must be 1..{EnvelopeSuite.MaxFrameLength} bytes.");
            }

            ushort suite = options.Signed ? EnvelopeSuite.CommittingSigned : EnvelopeSuite.Committing;
            SortedDictionary<string, string> context = EncryptionContext.Copy(options.Context, allowReserved: false);
            EnvelopeSignature? signature = null;
            if (options.Signed)
            {
                signature = EnvelopeSignature.Generate();
                context.Add(EnvelopeSuite.PublicKeyContextKey, Convert.ToBase64String(signature.CompressedPublicKey));
            }

            var keyContext = new EnvelopeKeyContext(context);
            (byte[] dataKey, EncryptedDataKey wrapped) = await keyring.GenerateAsync(keyContext, ct).ConfigureAwait(false);
            var header = new EnvelopeHeader
            {
                SuiteId = suite,
                MessageId = RandomBytes(EnvelopeSuite.MessageIdLength),
                Context = context,
                FrameLength = (uint)options.FrameLength,
            };
            header.DataKeys.Add(wrapped);
            byte[] derived = Array.Empty<byte>();
            try
            {
                header.Commitment = EnvelopeKdf.DeriveCommitment(dataKey, header.MessageId);
                derived = EnvelopeKdf.DeriveDataKey(suite, dataKey, header.MessageId);
                using (IAesGcmCipher gcm = gcmFactory(derived))
                using (IncrementalHash? hash = options.Signed ? IncrementalHash.CreateHash(HashAlgorithmName.SHA384) : null)
                {
                    // Frames are small: batch them into large writes and reads instead of several calls per 4 KiB.
                    var buffered = new BufferedStream(output, 256 * 1024);
                    using var reader = PlaintextBuffer.ForReading(plaintext);
                    var sink = new HashingSink(buffered, hash);
                    byte[] headerBytes = header.Serialize();
                    byte[] headerTag = new byte[AesGcmCipher.TagLength];
                    gcm.Encrypt(new byte[AesGcmCipher.IvLength], Array.Empty<byte>(), 0, 0, headerBytes, Array.Empty<byte>(), headerTag);
                    await sink.WriteAsync(headerBytes, ct).ConfigureAwait(false);
                    await sink.WriteAsync(headerTag, ct).ConfigureAwait(false);

                    long total = await WriteFramesAsync(reader, sink, gcm, header, ct).ConfigureAwait(false);
                    if (signature != null && hash != null)
                    {
                        byte[] der = signature.Sign(hash.GetHashAndReset());
                        var footer = new EnvelopeWriter();
                        footer.ShortBytes(der);
                        await sink.WriteAsync(footer.ToArray(), ct).ConfigureAwait(false);
                    }

                    await buffered.FlushAsync(ct).ConfigureAwait(false);
                    return new EnvelopeMessageInfo(suite, context, wrapped.ProviderId, KeyName(wrapped), total);
                }
            }
            finally
            {
                Wipe.Bytes(dataKey);
                Wipe.Bytes(derived);
            }
        }

        internal static async Task<EnvelopeMessageInfo> DecryptAsync(Stream message, Stream output, EnvelopeDecryptOptions options,
            IReadOnlyList<IEnvelopeKeyring> keyrings, bool restricted, Func<byte[], IAesGcmCipher> gcmFactory, CancellationToken ct)
        {
            SortedDictionary<string, string> expected = EncryptionContext.Copy(options.ExpectedContext, allowReserved: true);
            if (options.MaxEncryptedDataKeys < 1)
            {
                throw EnvelopeErrors.OptionInvalid("The maximum number of encrypted data keys is at least 1.");
            }
            using (var buffered = PlaintextBuffer.ForWriting(output))
            using (var input = new EnvelopeInput(new BufferedStream(message, 256 * 1024)))
            {
                input.Hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA384);
                (EnvelopeHeader header, byte[] headerBytes) = await EnvelopeHeader.ReadAsync(input, ct, options.MaxEncryptedDataKeys).ConfigureAwait(false);
                byte[] headerTag = await input.ReadBytesAsync(AesGcmCipher.TagLength, ct).ConfigureAwait(false);
                bool signed = EnvelopeSuite.IsSigned(header.SuiteId);
                if (!signed)
                {
                    // Only the signed suite's footer needs the running hash; hashing every frame would cost a third of the speed.
                    input.Hash.Dispose();
                    input.Hash = null;
                }

                if (signed && !header.Context.ContainsKey(EnvelopeSuite.PublicKeyContextKey))
                {
                    throw EnvelopeErrors.HeaderInvalid($"the signed suite's '{EnvelopeSuite.PublicKeyContextKey}' is missing from the encryption context");
                }

                foreach (KeyValuePair<string, string> pair in expected)
                {
                    if (!header.Context.TryGetValue(pair.Key, out string? actual) || actual != pair.Value)
                    {
                        throw EnvelopeErrors.ContextMismatch(pair.Key);
                    }
                }

                (byte[] dataKey, EncryptedDataKey used) = await UnwrapAsync(header, keyrings, restricted, ct).ConfigureAwait(false);
                byte[] derived = Array.Empty<byte>();
                try
                {
                    byte[] commitment = EnvelopeKdf.DeriveCommitment(dataKey, header.MessageId);
                    if (!FixedTimeEquals(commitment, header.Commitment))
                    {
                        throw EnvelopeErrors.CommitmentMismatch();
                    }

                    derived = EnvelopeKdf.DeriveDataKey(header.SuiteId, dataKey, header.MessageId);
                    using (IAesGcmCipher gcm = gcmFactory(derived))
                    {
                        if (!gcm.TryDecrypt(new byte[AesGcmCipher.IvLength], Array.Empty<byte>(), 0, 0, headerTag, headerBytes, Array.Empty<byte>()))
                        {
                            throw EnvelopeErrors.HeaderTampered();
                        }

                        long total = await ReadFramesAsync(input, buffered, gcm, header, ct).ConfigureAwait(false);
                        if (signed)
                        {
                            byte[] digest = input.Hash!.GetHashAndReset();
                            input.Hash.Dispose();
                            input.Hash = null;
                            byte[] der = await input.ReadShortBytesAsync(ct).ConfigureAwait(false);
                            if (!EnvelopeSignature.Verify(header.Context[EnvelopeSuite.PublicKeyContextKey], digest, der))
                            {
                                throw EnvelopeErrors.SignatureInvalid();
                            }
                        }

                        if (!await input.AtEndAsync(ct).ConfigureAwait(false))
                        {
                            throw EnvelopeErrors.TrailingData();
                        }

                        await buffered.FlushAsync(ct).ConfigureAwait(false);
                        return new EnvelopeMessageInfo(header.SuiteId, header.Context, used.ProviderId, KeyName(used), total);
                    }
                }
                finally
                {
                    Wipe.Bytes(dataKey);
                    Wipe.Bytes(derived);
                }
            }
        }

        private static async Task<(byte[], EncryptedDataKey)> UnwrapAsync(EnvelopeHeader header, IReadOnlyList<IEnvelopeKeyring> keyrings, bool restricted, CancellationToken ct)
        {
            var context = new EnvelopeKeyContext(header.Context);
            bool tried = false;
            foreach (EncryptedDataKey edk in header.DataKeys)
            {
                foreach (IEnvelopeKeyring keyring in keyrings)
                {
                    if (!await keyring.CanUnwrapAsync(edk, ct).ConfigureAwait(false))
                    {
                        continue;
                    }

                    tried = true;
                    byte[]? dataKey = await keyring.TryUnwrapAsync(edk, context, ct).ConfigureAwait(false);
                    if (dataKey != null && dataKey.Length == AesGcmCipher.KeyLength)
                    {
                        return (dataKey, edk);
                    }
                }
            }

            if (!tried && restricted)
            {
                throw EnvelopeErrors.KeyNotAllowed();
            }

            throw EnvelopeErrors.NoDecryptableKey(tried
                ? "the key refused it (wrong key, or the message's context was changed)"
                : "it names no KMS key and no local key that exists here");
        }

        private static async Task<long> WriteFramesAsync(Stream plaintext, HashingSink sink, IAesGcmCipher gcm, EnvelopeHeader header, CancellationToken ct)
        {
            int frameLength = (int)header.FrameLength;
            byte[] current = new byte[frameLength];
            byte[] next = new byte[frameLength];
            byte[] cipher = new byte[frameLength];
            byte[] tag = new byte[AesGcmCipher.TagLength];
            byte[] iv = new byte[AesGcmCipher.IvLength];
            var aad = new FrameAad(header.MessageId);
            byte[] frameHeader = new byte[4 + 4 + AesGcmCipher.IvLength + 4];
            uint sequence = 1;
            long total = 0;
            try
            {
                int count = await ReadFullAsync(plaintext, current, ct).ConfigureAwait(false);
                while (true)
                {
                    // Read ahead one frame: a full frame is final only when nothing follows it.
                    int following = count == frameLength ? await ReadFullAsync(plaintext, next, ct).ConfigureAwait(false) : 0;
                    bool final = following == 0;
                    EnvelopeWriter.PutUInt32(iv, AesGcmCipher.IvLength - 4, sequence);
                    gcm.Encrypt(iv, current, 0, count, aad.For(final, sequence, count), cipher, tag);
                    int headerLength;
                    if (final)
                    {
                        EnvelopeWriter.PutUInt32(frameHeader, 0, FinalFrameMarker);
                        EnvelopeWriter.PutUInt32(frameHeader, 4, sequence);
                        Buffer.BlockCopy(iv, 0, frameHeader, 8, iv.Length);
                        EnvelopeWriter.PutUInt32(frameHeader, 8 + iv.Length, (uint)count);
                        headerLength = frameHeader.Length;
                    }
                    else
                    {
                        EnvelopeWriter.PutUInt32(frameHeader, 0, sequence);
                        Buffer.BlockCopy(iv, 0, frameHeader, 4, iv.Length);
                        headerLength = 4 + iv.Length;
                    }

                    await sink.WriteAsync(frameHeader, 0, headerLength, ct).ConfigureAwait(false);
                    await sink.WriteAsync(cipher, 0, count, ct).ConfigureAwait(false);
                    await sink.WriteAsync(tag, 0, tag.Length, ct).ConfigureAwait(false);
                    total += count;
                    if (final)
                    {
                        return total;
                    }

                    if (sequence == FinalFrameMarker - 1)
                    {
                        throw new SshKmsException("EnvelopeTooLarge", SshKmsErrorCategory.LimitsExceeded, "The plaintext needs more frames than the message format allows; use a larger frame length.");
                    }

                    sequence++;
                    byte[] swap = current;
                    current = next;
                    next = swap;
                    count = following;
                }
            }
            finally
            {
                Wipe.Bytes(current);
                Wipe.Bytes(next);
            }
        }

        private static async Task<long> ReadFramesAsync(EnvelopeInput input, Stream output, IAesGcmCipher gcm, EnvelopeHeader header, CancellationToken ct)
        {
            int frameLength = (int)header.FrameLength;
            byte[] cipher = new byte[frameLength];
            byte[] plain = new byte[frameLength];
            byte[] tag = new byte[AesGcmCipher.TagLength];
            byte[] iv = new byte[AesGcmCipher.IvLength];
            var aad = new FrameAad(header.MessageId);
            uint expected = 1;
            long total = 0;
            try
            {
                while (true)
                {
                    uint sequence = await input.ReadUInt32Async(ct).ConfigureAwait(false);
                    bool final = sequence == FinalFrameMarker;
                    if (final)
                    {
                        sequence = await input.ReadUInt32Async(ct).ConfigureAwait(false);
                    }

                    if (sequence != expected)
                    {
                        throw EnvelopeErrors.FrameTampered(expected);
                    }

                    await input.ReadExactAsync(iv, 0, iv.Length, ct).ConfigureAwait(false);
                    int count = frameLength;
                    if (final)
                    {
                        uint length = await input.ReadUInt32Async(ct).ConfigureAwait(false);
                        if (length > header.FrameLength)
                        {
                            throw EnvelopeErrors.FrameTampered(sequence);
                        }

                        count = (int)length;
                    }

                    await input.ReadExactAsync(cipher, 0, count, ct).ConfigureAwait(false);
                    await input.ReadExactAsync(tag, 0, tag.Length, ct).ConfigureAwait(false);
                    if (!gcm.TryDecrypt(iv, cipher, 0, count, tag, aad.For(final, sequence, count), plain))
                    {
                        throw EnvelopeErrors.FrameTampered(sequence);
                    }

                    await output.WriteAsync(plain, 0, count, ct).ConfigureAwait(false);
                    total += count;
                    if (final)
                    {
                        return total;
                    }

                    if (expected == FinalFrameMarker - 1)
                    {
                        throw EnvelopeErrors.FrameTampered(expected);
                    }

                    expected++;
                }
            }
            finally
            {
                Wipe.Bytes(plain);
            }
        }

        /// <summary>
        /// A frame's AAD: message id || "AWSKMSEncryptionClient [Final ]Frame" || uint32 sequence || uint64 content
        /// length. Two buffers reused for every frame so the per-frame cost is two integer writes.
        /// </summary>
        private sealed class FrameAad
        {
            private readonly byte[] _regular;
            private readonly byte[] _final;

            public FrameAad(byte[] messageId)
            {
                _regular = Build(messageId, FrameString);
                _final = Build(messageId, FinalFrameString);
            }

            public byte[] For(bool final, uint sequence, int count)
            {
                byte[] aad = final ? _final : _regular;
                EnvelopeWriter.PutUInt32(aad, aad.Length - 12, sequence);
                EnvelopeWriter.PutUInt64(aad, aad.Length - 8, (ulong)count);
                return aad;
            }

            private static byte[] Build(byte[] messageId, string label)
            {
                byte[] aad = new byte[messageId.Length + label.Length + 12];
                Buffer.BlockCopy(messageId, 0, aad, 0, messageId.Length);
                Encoding.ASCII.GetBytes(label, 0, label.Length, aad, messageId.Length);
                return aad;
            }
        }

        private static async Task<int> ReadFullAsync(Stream stream, byte[] buffer, CancellationToken ct)
        {
            int done = 0;
            while (done < buffer.Length)
            {
                int n = await stream.ReadAsync(buffer, done, buffer.Length - done, ct).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                done += n;
            }

            return done;
        }

        private static KeyringHandle KeyringFor(KeyUri key, Aws.AwsSettings aws, bool create)
        {
            if (key.Provider == KeyProviderKind.Local)
            {
                return new KeyringHandle(new LocalEnvelopeKeyring(key.KeyId, create), null);
            }

            var kms = new KmsEnvelopeKeyring(aws, key.KeyId);
            return new KeyringHandle(kms, kms);
        }

        private static string KeyName(EncryptedDataKey edk) =>
            edk.ProviderId == LocalEnvelopeKeyring.KeyNamespace
                ? Encoding.UTF8.GetString(edk.ProviderInfo, 0, Math.Max(0, edk.ProviderInfo.Length - 20))
                : Encoding.UTF8.GetString(edk.ProviderInfo);

        private static byte[] RandomBytes(int length)
        {
            byte[] bytes = new byte[length];
            using (var rng = RandomNumberGenerator.Create())
            {
                rng.GetBytes(bytes);
            }

            return bytes;
        }

        private static bool FixedTimeEquals(byte[] a, byte[] b)
        {
            if (a.Length != b.Length)
            {
                return false;
            }

            int diff = 0;
            for (int i = 0; i < a.Length; i++)
            {
                diff |= a[i] ^ b[i];
            }

            return diff == 0;
        }

        private sealed class KeyringHandle : IDisposable
        {
            private readonly IDisposable? _owned;

            public KeyringHandle(IEnvelopeKeyring keyring, IDisposable? owned)
            {
                Keyring = keyring;
                _owned = owned;
            }

            public IEnvelopeKeyring Keyring { get; }

            public void Dispose() => _owned?.Dispose();
        }

        /// <summary>Writes to the output and, for the signed suite, into the signature hash.</summary>
        private sealed class HashingSink
        {
            private readonly Stream _output;
            private readonly IncrementalHash? _hash;

            public HashingSink(Stream output, IncrementalHash? hash)
            {
                _output = output;
                _hash = hash;
            }

            public Task WriteAsync(byte[] data, CancellationToken ct) => WriteAsync(data, 0, data.Length, ct);

            public Task WriteAsync(byte[] data, int offset, int count, CancellationToken ct)
            {
                _hash?.AppendData(data, offset, count);
                return _output.WriteAsync(data, offset, count, ct);
            }
        }

        /// <summary>The byte DetectBase64 peeked at, then the rest of the stream.</summary>
        private sealed class PrefixedStream : ReadOnlyWrapperStream
        {
            private readonly byte[] _prefix;
            private int _used;

            public PrefixedStream(byte[] prefix, Stream rest)
                : base(rest)
            {
                _prefix = prefix;
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                if (_used < _prefix.Length && count > 0)
                {
                    buffer[offset] = _prefix[_used++];
                    return 1;
                }

                return Inner.Read(buffer, offset, count);
            }
        }
    }
}
