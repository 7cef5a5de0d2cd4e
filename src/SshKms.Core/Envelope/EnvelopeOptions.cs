using System.Collections.Generic;
using SshKms.Core.Aws;
using SshKms.Core.Keys;

namespace SshKms.Core.Envelope
{
    internal sealed class EnvelopeEncryptOptions
    {
        public EnvelopeEncryptOptions(KeyUri key)
        {
            Key = key;
        }

        public KeyUri Key { get; }

        /// <summary>Bound to the message as AAD and passed to KMS; keys starting "aws-crypto-" are reserved.</summary>
        public IDictionary<string, string>? Context { get; set; }

        /// <summary>Suite 0x0578 (ECDSA P-384 signature) instead of the default 0x0478.</summary>
        public bool Signed { get; set; }

        public int FrameLength { get; set; } = EnvelopeSuite.DefaultFrameLength;

        /// <summary>-Create / --create: make a missing local: key (local:default is made without it).</summary>
        public bool CreateKey { get; set; }

        public AwsSettings Aws { get; set; } = new AwsSettings();
    }

    internal sealed class EnvelopeDecryptOptions
    {
        /// <summary>Only these keys may unwrap the data key; empty means any KMS key ARN or local key the message names.</summary>
        public IList<KeyUri> AllowedKeys { get; set; } = new List<KeyUri>();

        /// <summary>Pairs the message's context must contain with equal values.</summary>
        public IDictionary<string, string>? ExpectedContext { get; set; }

        /// <summary>
        /// Messages carrying more encrypted data keys are refused before any key is tried (EnvelopeTooManyDataKeys):
        /// each one may cost a KMS call. 10 is the Encryption SDKs' recommended limit.
        /// </summary>
        public int MaxEncryptedDataKeys { get; set; } = DefaultMaxEncryptedDataKeys;

        public const int DefaultMaxEncryptedDataKeys = 10;

        /// <summary>
        /// Discovery only (no AllowedKeys): the AWS accounts whose KMS keys may be asked to decrypt, as the SDKs'
        /// DiscoveryFilter. An encrypted data key whose key ARN is in another account or partition is skipped, never sent to KMS.
        /// Empty: any account (KMS Decrypt is called on whatever key ARN the message names).
        /// </summary>
        public IList<string> DiscoveryAccountIds { get; set; } = new List<string>();

        /// <summary>The partition of the discovery filter ("aws", "aws-cn", "aws-us-gov"); with DiscoveryAccountIds, "aws" when not given.</summary>
        public string? DiscoveryPartition { get; set; }

        public AwsSettings Aws { get; set; } = new AwsSettings();
    }

    /// <summary>What a message said about itself, once it verified.</summary>
    public sealed class EnvelopeMessageInfo
    {
        internal EnvelopeMessageInfo(ushort suiteId, IReadOnlyDictionary<string, string> context, string keyProvider, string keyName, long plaintextLength)
        {
            SuiteId = suiteId;
            Context = context;
            KeyProvider = keyProvider;
            KeyName = keyName;
            PlaintextLength = plaintextLength;
        }

        public ushort SuiteId { get; }

        public IReadOnlyDictionary<string, string> Context { get; }

        /// <summary>"aws-kms" or "sshkms-local".</summary>
        public string KeyProvider { get; }

        /// <summary>The KMS key ARN or the local key name that wrapped the data key.</summary>
        public string KeyName { get; }

        public long PlaintextLength { get; }

        /// <summary>The local key this encryption made on use, for the caller's warning; null when it existed.</summary>
        public KeyCreated? CreatedKey { get; internal set; }
    }
}
