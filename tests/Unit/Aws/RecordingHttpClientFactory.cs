using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Amazon.Runtime;

namespace SshKms.Tests.Aws
{
    /// <summary>One AWS JSON-protocol request as it went over the wire: the operation and its JSON body.</summary>
    public sealed record RecordedAwsRequest(string Operation, JsonElement Body);

    /// <summary>
    /// An SDK HttpClientFactory whose clients record every request and pass it on unchanged to the real peer
    /// (moto). An optional <see cref="Intercept"/> answers chosen requests itself (used only by Fake... tests).
    /// </summary>
    public sealed class RecordingHttpClientFactory : HttpClientFactory
    {
        private readonly ConcurrentQueue<RecordedAwsRequest> _requests = new ConcurrentQueue<RecordedAwsRequest>();

        public Func<RecordedAwsRequest, HttpResponseMessage?>? Intercept { get; set; }

        public IReadOnlyList<RecordedAwsRequest> Requests => _requests.ToList();

        public int Count(string operation) => _requests.Count(r => r.Operation == operation);

        public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
            new HttpClient(new RecordingHandler(this) { InnerHandler = new HttpClientHandler() });

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => true;

        private sealed class RecordingHandler : DelegatingHandler
        {
            private readonly RecordingHttpClientFactory _owner;

            public RecordingHandler(RecordingHttpClientFactory owner) => _owner = owner;

            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                string target = request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.First() : string.Empty;
                string operation = target.Contains('.') ? target.Substring(target.LastIndexOf('.') + 1) : target;
                string body = request.Content == null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
                JsonElement json = body.StartsWith("{", StringComparison.Ordinal) ? JsonDocument.Parse(body).RootElement.Clone() : default;
                var recorded = new RecordedAwsRequest(operation, json);
                _owner._requests.Enqueue(recorded);
                HttpResponseMessage? fake = _owner.Intercept?.Invoke(recorded);
                return fake ?? await base.SendAsync(request, cancellationToken);
            }
        }
    }
}
