using System;
using System.Collections.Generic;
using System.Linq;

namespace SshKms.Core.Envelope
{
    /// <summary>
    /// The Encryption SDKs' DiscoveryFilter: in discovery, only KMS keys of these accounts in this partition are asked
    /// to decrypt. Without it, discovery calls KMS Decrypt on whatever key ARN a message names, in any account.
    /// </summary>
    internal sealed class KmsDiscoveryFilter
    {
        private KmsDiscoveryFilter(string partition, IReadOnlyCollection<string> accountIds)
        {
            Partition = partition;
            AccountIds = accountIds;
        }

        public string Partition { get; }

        public IReadOnlyCollection<string> AccountIds { get; }

        /// <summary>The filter the options ask for, or null for unfiltered discovery; EnvelopeOptionInvalid for one that cannot apply.</summary>
        public static KmsDiscoveryFilter? From(EnvelopeDecryptOptions options)
        {
            List<string> accounts = (options.DiscoveryAccountIds ?? new List<string>()).ToList();
            if (accounts.Count == 0)
            {
                if (options.DiscoveryPartition != null)
                {
                    throw EnvelopeErrors.OptionInvalid("A discovery partition needs the AWS account ids it allows.");
                }

                return null;
            }

            if (options.AllowedKeys.Count > 0)
            {
                throw EnvelopeErrors.OptionInvalid("A discovery filter applies only when no key is given: with keys named, only those keys are used.");
            }

            foreach (string account in accounts)
            {
                if (account.Length != 12 || !account.All(c => c >= '0' && c <= '9'))
                {
                    throw EnvelopeErrors.OptionInvalid($"'{account}' is not an AWS account id (12 digits).");
                }
            }

            string partition = options.DiscoveryPartition ?? "aws";
            if (partition.Length == 0 || !partition.All(c => char.IsLetterOrDigit(c) || c == '-'))
            {
                throw EnvelopeErrors.OptionInvalid($"'{partition}' is not an AWS partition (aws, aws-cn, aws-us-gov, ...).");
            }

            return new KmsDiscoveryFilter(partition, new HashSet<string>(accounts, StringComparer.Ordinal));
        }

        /// <summary>True for a well-formed KMS key ARN (arn:PARTITION:kms:REGION:ACCOUNT:key/ID) in an allowed account and the partition.</summary>
        public bool Allows(string keyArn)
        {
            string[] parts = keyArn.Split(':');
            return KmsEnvelopeKeyring.IsKeyArn(keyArn) && parts[1] == Partition && AccountIds.Contains(parts[4]);
        }
    }
}
