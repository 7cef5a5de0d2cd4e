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
    }
}
