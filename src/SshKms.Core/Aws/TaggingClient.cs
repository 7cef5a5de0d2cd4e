using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SshKms.Core.Aws
{
    /// <summary>
    /// The Resource Groups Tagging API's GetResources over <see cref="AwsJsonClient"/>: which EC2 instances carry a tag.
    /// SSM's own DescribeInstanceInformation would say the same for managed nodes, but moto does not implement it,
    /// so this is the lookup the tests can prove.
    /// </summary>
    public sealed class TaggingClient : IDisposable
    {
        private const string InstanceArnPart = ":instance/";

        private readonly AwsJsonClient _client;

        public TaggingClient(AwsSettings settings, System.Net.Http.HttpMessageHandler? transport = null)
        {
            _client = new AwsJsonClient(settings, AwsJsonService.ResourceGroupsTagging, transport);
        }

        /// <summary>
        /// The ids of the EC2 instances tagged KEY=VALUE, every page read. The API lists what is or was tagged,
        /// so an instance terminated a short while ago can still be among them.
        /// </summary>
        public async Task<IReadOnlyList<string>> InstanceIdsWithTagAsync(string key, string value, CancellationToken cancellationToken)
        {
            var ids = new List<string>();
            string? page = null;
            do
            {
                var request = new GetResourcesRequest
                {
                    ResourceTypeFilters = new List<string> { "ec2:instance" },
                    TagFilters = new List<TagFilter> { new TagFilter { Key = key, Values = new List<string> { value } } },
                    PaginationToken = page,
                };
                GetResourcesResponse response = await _client.CallAsync<GetResourcesRequest, GetResourcesResponse>("GetResources", request, cancellationToken)
                    .ConfigureAwait(false);
                foreach (ResourceTagMapping resource in response.ResourceTagMappingList ?? new List<ResourceTagMapping>())
                {
                    // arn:aws:ec2:us-east-1:123456789012:instance/i-0abc
                    string arn = resource.ResourceARN ?? string.Empty;
                    int at = arn.IndexOf(InstanceArnPart, StringComparison.Ordinal);
                    if (at > 0 && !ids.Contains(arn.Substring(at + InstanceArnPart.Length)))
                    {
                        ids.Add(arn.Substring(at + InstanceArnPart.Length));
                    }
                }

                // The last page has an empty token (AWS) or none (moto).
                page = string.IsNullOrEmpty(response.PaginationToken) ? null : response.PaginationToken;
            }
            while (page != null);

            return ids;
        }

        public void Dispose() => _client.Dispose();
    }

    internal sealed class GetResourcesRequest
    {
        public List<string>? ResourceTypeFilters { get; set; }

        public List<TagFilter>? TagFilters { get; set; }

        public string? PaginationToken { get; set; }
    }

    internal sealed class TagFilter
    {
        public string? Key { get; set; }

        public List<string>? Values { get; set; }
    }

    internal sealed class GetResourcesResponse
    {
        public string? PaginationToken { get; set; }

        public List<ResourceTagMapping>? ResourceTagMappingList { get; set; }
    }

    internal sealed class ResourceTagMapping
    {
        public string? ResourceARN { get; set; }
    }
}
