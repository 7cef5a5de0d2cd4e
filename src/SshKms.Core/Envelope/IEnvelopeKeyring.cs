using System.Threading;
using System.Threading.Tasks;

namespace SshKms.Core.Envelope
{
    /// <summary>What a key provider does for the envelope: make a data key and unwrap its own encrypted data keys.</summary>
    internal interface IEnvelopeKeyring
    {
        /// <summary>A fresh 32-byte data key (caller zeroes it) and its wrapped copy for the header.</summary>
        Task<(byte[] DataKey, EncryptedDataKey Wrapped)> GenerateAsync(EnvelopeKeyContext context, CancellationToken ct);

        /// <summary>Whether this keyring is allowed to and knows how to unwrap this encrypted data key.</summary>
        Task<bool> CanUnwrapAsync(EncryptedDataKey edk, CancellationToken ct);

        /// <summary>The data key, or null when this key cannot unwrap it (wrong key or context).</summary>
        Task<byte[]?> TryUnwrapAsync(EncryptedDataKey edk, EnvelopeKeyContext context, CancellationToken ct);
    }

    /// <summary>The encryption context as keyrings need it: the map (KMS) and its serialization (raw AES AAD).</summary>
    internal sealed class EnvelopeKeyContext
    {
        public EnvelopeKeyContext(System.Collections.Generic.SortedDictionary<string, string> map)
        {
            Map = map;
            Serialized = EncryptionContext.Serialize(map);
        }

        public System.Collections.Generic.SortedDictionary<string, string> Map { get; }

        public byte[] Serialized { get; }
    }
}
