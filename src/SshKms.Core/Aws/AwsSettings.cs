namespace SshKms.Core.Aws
{
    /// <summary>
    /// Region, profile and endpoint as the AWS CLI takes them. Nulls mean "as the SDK finds it": the
    /// credential chain, AWS_REGION / the profile's region, and AWS_ENDPOINT_URL.
    /// </summary>
    public sealed class AwsSettings
    {
        public string? Region { get; set; }

        public string? ProfileName { get; set; }

        public string? EndpointUrl { get; set; }

        /// <summary>
        /// Test seam: the SDK's HTTP client factory, so tests can count or record requests to a real peer.
        /// Clients built with it are never cached.
        /// </summary>
        internal Amazon.Runtime.HttpClientFactory? HttpClientFactory { get; set; }

        /// <summary>Test seam: SDK retry count (null = the SDK's default), so unreachable-endpoint tests stay fast.</summary>
        internal int? MaxErrorRetry { get; set; }
    }
}
