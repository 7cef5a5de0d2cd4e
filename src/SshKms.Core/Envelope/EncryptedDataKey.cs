namespace SshKms.Core.Envelope
{
    /// <summary>One wrapped copy of the data key in the header: who can unwrap it (provider id + info) and the wrapped bytes.</summary>
    public sealed class EncryptedDataKey
    {
        public EncryptedDataKey(string providerId, byte[] providerInfo, byte[] ciphertext)
        {
            ProviderId = providerId;
            ProviderInfo = providerInfo;
            Ciphertext = ciphertext;
        }

        /// <summary>"aws-kms", or the raw AES keyring's namespace ("sshkms-local").</summary>
        public string ProviderId { get; }

        /// <summary>The KMS key ARN, or the raw AES keyring's key name + tag length + IV length + IV.</summary>
        public byte[] ProviderInfo { get; }

        public byte[] Ciphertext { get; }
    }
}
