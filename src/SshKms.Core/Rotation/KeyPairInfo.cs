using System.Collections.Generic;

namespace SshKms.Core.Rotation
{
    /// <summary>What New-SshKmsKeyPairSecret / Get-SshKmsKeyPair -Public return: nothing secret.</summary>
    public class KeyPairInfo
    {
        public KeyPairInfo()
        {
        }

        /// <summary>Copies another description (for types that add to it, such as the cmdlet's output with the private key).</summary>
        protected KeyPairInfo(KeyPairInfo other)
        {
            SecretId = other.SecretId;
            Arn = other.Arn;
            VersionId = other.VersionId;
            VersionStages = other.VersionStages;
            PublicKey = other.PublicKey;
            KeyType = other.KeyType;
            Fingerprint = other.Fingerprint;
            UserName = other.UserName;
        }

        public string SecretId { get; set; } = string.Empty;

        public string? Arn { get; set; }

        public string VersionId { get; set; } = string.Empty;

        public IReadOnlyList<string> VersionStages { get; set; } = new string[0];

        public string PublicKey { get; set; } = string.Empty;

        public string KeyType { get; set; } = string.Empty;

        public string Fingerprint { get; set; } = string.Empty;

        public string? UserName { get; set; }
    }
}
