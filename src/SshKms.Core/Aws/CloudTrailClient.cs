using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SshKms.Core.Aws
{
    /// <summary>CloudTrail's LookupEvents over <see cref="AwsJsonClient"/> (AWSSDK.CloudTrail is not served here).</summary>
    public sealed class CloudTrailClient : IDisposable
    {
        /// <summary>CloudTrail speaks JSON 1.1 with this long target prefix; AWS_ENDPOINT_URL_CLOUDTRAIL names its endpoint.</summary>
        public static AwsJsonService Service { get; } =
            new AwsJsonService("cloudtrail", "cloudtrail", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101", "CLOUDTRAIL");

        private readonly AwsJsonClient _client;

        public CloudTrailClient(AwsSettings settings, System.Net.Http.HttpMessageHandler? transport = null)
        {
            _client = new AwsJsonClient(settings, Service, transport);
        }

        /// <summary>
        /// Every management event whose <paramref name="attributeKey"/> (ResourceName, EventName, ...) equals
        /// <paramref name="attributeValue"/> between the two times, following NextToken to the end.
        /// </summary>
        public async Task<IReadOnlyList<CloudTrailEventRecord>> LookupEventsAsync(string attributeKey, string attributeValue,
            DateTimeOffset startTime, DateTimeOffset endTime, CancellationToken cancellationToken)
        {
            var events = new List<CloudTrailEventRecord>();
            string? token = null;
            do
            {
                var request = new LookupEventsRequest
                {
                    LookupAttributes = new[] { new LookupAttribute { AttributeKey = attributeKey, AttributeValue = attributeValue } },
                    StartTime = startTime.ToUnixTimeSeconds(),
                    EndTime = endTime.ToUnixTimeSeconds(),
                    MaxResults = 50,
                    NextToken = token,
                };
                LookupEventsResponse page = await _client.CallAsync<LookupEventsRequest, LookupEventsResponse>("LookupEvents", request, cancellationToken)
                    .ConfigureAwait(false);
                events.AddRange(page.Events ?? new List<CloudTrailEventRecord>());
                token = string.IsNullOrEmpty(page.NextToken) ? null : page.NextToken;
            }
            while (token != null);
            return events;
        }

        public void Dispose() => _client.Dispose();
    }

    internal sealed class LookupEventsRequest
    {
        public LookupAttribute[]? LookupAttributes { get; set; }

        /// <summary>JSON 1.1 timestamps are epoch seconds.</summary>
        public long StartTime { get; set; }

        public long EndTime { get; set; }

        public int MaxResults { get; set; }

        public string? NextToken { get; set; }
    }

    internal sealed class LookupAttribute
    {
        public string? AttributeKey { get; set; }

        public string? AttributeValue { get; set; }
    }

    internal sealed class LookupEventsResponse
    {
        public List<CloudTrailEventRecord>? Events { get; set; }

        public string? NextToken { get; set; }
    }

    /// <summary>One event as LookupEvents lists it; the full record is the JSON string in <see cref="CloudTrailEvent"/>.</summary>
    public sealed class CloudTrailEventRecord
    {
        public string? EventId { get; set; }

        public string? EventName { get; set; }

        public string? EventSource { get; set; }

        public string? Username { get; set; }

        /// <summary>The event as CloudTrail recorded it (requestID, userIdentity, requestParameters ...), as a JSON string.</summary>
        public string? CloudTrailEvent { get; set; }
    }
}
