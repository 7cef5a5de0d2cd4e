using System;
using Amazon;
using Amazon.EC2;
using Amazon.KeyManagementService;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;
using Amazon.SecurityToken;
using Amazon.SimpleSystemsManagement;

namespace SshKms.Core.Aws
{
    /// <summary>Credentials, region and endpoint resolved the way the AWS CLI does, ready for an SDK client config.</summary>
    public sealed class ResolvedAwsSettings
    {
        internal ResolvedAwsSettings(AWSCredentials credentials, string region, string? endpointUrl)
        {
            Credentials = credentials;
            Region = region;
            EndpointUrl = endpointUrl;
        }

        public AWSCredentials Credentials { get; }

        public string Region { get; }

        /// <summary>KMS's endpoint: the explicit one, else $AWS_ENDPOINT_URL_KMS, else $AWS_ENDPOINT_URL, else null for the regional AWS endpoint.</summary>
        public string? EndpointUrl { get; }
    }

    /// <summary>
    /// The one place SDK clients are configured: explicit settings first, then the profile, then the SDK's
    /// credential chain and region fallback, and AWS_ENDPOINT_URL. Callers own (and dispose) the clients.
    /// </summary>
    public static class AwsClientFactory
    {
        public static AmazonKeyManagementServiceClient CreateKms(AwsSettings settings) =>
            CreateKms(settings, ResolveCredentialsAndRegion(settings));

        /// <summary>A KMS client from settings already resolved (so callers that need the region resolve only once).</summary>
        public static AmazonKeyManagementServiceClient CreateKms(AwsSettings settings, ResolvedAwsSettings resolved)
        {
            var config = new AmazonKeyManagementServiceConfig();
            Configure(config, settings, resolved.EndpointUrl, resolved);
            return new AmazonKeyManagementServiceClient(resolved.Credentials, config);
        }

        public static AmazonSecurityTokenServiceClient CreateSts(AwsSettings settings) =>
            Create(settings, "STS", new AmazonSecurityTokenServiceConfig(), (credentials, config) => new AmazonSecurityTokenServiceClient(credentials, config));

        /// <summary>SSM Run Command: sends the authorized_keys script to nodes.</summary>
        internal static AmazonSimpleSystemsManagementClient CreateSsm(AwsSettings settings) =>
            Create(settings, "SSM", new AmazonSimpleSystemsManagementConfig(), (credentials, config) => new AmazonSimpleSystemsManagementClient(credentials, config));

        /// <summary>EC2: finds the running instances that carry a tag.</summary>
        internal static AmazonEC2Client CreateEc2(AwsSettings settings) =>
            Create(settings, "EC2", new AmazonEC2Config(), (credentials, config) => new AmazonEC2Client(credentials, config));

        /// <summary>
        /// The endpoint a client of <paramref name="service"/> (the SDKs' AWS_ENDPOINT_URL_&lt;SERVICE&gt; suffix: KMS,
        /// STS, SECRETS_MANAGER, SSM, EC2) talks to: the explicit one (moto, LocalStack: one endpoint for everything), else
        /// the service's own variable (a VPC endpoint serves one service), else $AWS_ENDPOINT_URL, else null.
        /// </summary>
        public static string? EffectiveEndpoint(AwsSettings settings, string service = "KMS")
        {
            foreach (string? candidate in new[]
            {
                settings.EndpointUrl,
                Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_" + service),
                Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL"),
            })
            {
                if (!string.IsNullOrWhiteSpace(candidate))
                {
                    return candidate!.Trim();
                }
            }

            return null;
        }

        /// <summary>
        /// Resolves credentials (profile, else the SDK chain) and region (explicit, else the profile's, else the SDK's
        /// fallback: AWS_REGION, AWS_DEFAULT_REGION, config file). Throws AwsCredentialsMissing / AwsRegionMissing.
        /// </summary>
        public static ResolvedAwsSettings ResolveCredentialsAndRegion(AwsSettings settings)
        {
            if (settings == null)
            {
                throw new ArgumentNullException(nameof(settings));
            }

            AWSCredentials? credentials = null;
            string? region = Blank(settings.Region);
            if (Blank(settings.ProfileName) is string profileName)
            {
                var chain = new CredentialProfileStoreChain();
                if (!chain.TryGetProfile(profileName, out CredentialProfile profile) || !chain.TryGetAWSCredentials(profileName, out credentials))
                {
                    throw new SshKmsException("AwsProfileNotFound", SshKmsErrorCategory.ObjectNotFound,
                        $"The AWS profile '{profileName}' was not found or has no usable credentials in ~/.aws/credentials or ~/.aws/config.");
                }

                region = region ?? profile.Region?.SystemName;
            }
            else
            {
                try
                {
                    credentials = DefaultAWSCredentialsIdentityResolver.GetCredentials();
                }
                catch (AmazonClientException)
                {
                    credentials = null;
                }

                if (credentials == null)
                {
                    throw new SshKmsException("AwsCredentialsMissing", SshKmsErrorCategory.AuthenticationError,
                        "No AWS credentials were found. Set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, run 'aws configure' or 'aws sso login', or name an AWS profile.");
                }
            }

            if (region == null)
            {
                try
                {
                    region = FallbackRegionFactory.GetRegionEndpoint()?.SystemName;
                }
                catch (AmazonClientException)
                {
                    region = null;
                }
            }

            if (region == null)
            {
                throw new SshKmsException("AwsRegionMissing", SshKmsErrorCategory.InvalidArgument,
                    "No AWS region is set. Name an AWS region, set AWS_REGION, or set a region in your AWS profile.");
            }

            return new ResolvedAwsSettings(credentials, region, EffectiveEndpoint(settings));
        }

        /// <summary>A client of <paramref name="service"/> (its AWS_ENDPOINT_URL_&lt;SERVICE&gt; suffix) configured from the settings.</summary>
        private static TClient Create<TConfig, TClient>(AwsSettings settings, string service, TConfig config, Func<AWSCredentials, TConfig, TClient> client)
            where TConfig : ClientConfig
        {
            ResolvedAwsSettings resolved = ResolveCredentialsAndRegion(settings);
            Configure(config, settings, EffectiveEndpoint(settings, service), resolved);
            return client(resolved.Credentials, config);
        }

        private static void Configure(ClientConfig config, AwsSettings settings, string? endpoint, ResolvedAwsSettings resolved)
        {
            if (endpoint != null)
            {
                // A custom endpoint (moto, LocalStack, a VPC endpoint) still signs SigV4 for the region.
                config.ServiceURL = endpoint;
                config.AuthenticationRegion = resolved.Region;
            }
            else
            {
                config.RegionEndpoint = RegionEndpoint.GetBySystemName(resolved.Region);
            }

            if (settings.HttpClientFactory != null)
            {
                config.HttpClientFactory = settings.HttpClientFactory;
            }

            if (settings.MaxErrorRetry is int retries)
            {
                config.MaxErrorRetry = retries;
            }
        }

        private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value!.Trim();
    }
}
