using System;
using SshKms.Core.Aws;

namespace SshKms.Core.Rotation
{
    /// <summary>A version of a key-pair secret as read; disposing it wipes the private key.</summary>
    public sealed class KeyPairVersion : KeyPairInfo, IDisposable
    {
        internal KeyPairVersion(KeyPairInfo info, byte[]? privateKeyUtf8)
            : base(info)
        {
            PrivateKeyUtf8 = privateKeyUtf8;
        }

        /// <summary>The OpenSSH private key (PEM text, UTF-8); null when only the public key was asked for.</summary>
        public byte[]? PrivateKeyUtf8 { get; }

        public void Dispose() => Zero.Bytes(PrivateKeyUtf8);
    }
}
