using SshKms.Core.Rotation;

namespace SshKms.PowerShell.Rotation
{
    /// <summary>One version of a key-pair secret as Get-SshKmsKeyPair returns it.</summary>
    public sealed class SshKmsKeyPair : KeyPairInfo
    {
        public SshKmsKeyPair(KeyPairInfo info, object? privateKey)
            : base(info)
        {
            PrivateKey = privateKey;
        }

        /// <summary>A SecureString, a string with -AsPlainText, or null with -PublicOnly.</summary>
        public object? PrivateKey { get; }
    }
}
