using System.Net.Http;
using Amazon.Runtime;
using SshKms.Core.Aws;

namespace SshKms.Tests.Aws
{
    /// <summary>
    /// An SDK HttpClientFactory whose clients send every request through one given handler (a FAKE fault injector,
    /// or a FAKE node agent in front of moto), so SDK clients can be put on the same wire as our JSON client.
    /// </summary>
    public sealed class HandlerHttpClientFactory : HttpClientFactory
    {
        private readonly HttpMessageHandler _handler;

        public HandlerHttpClientFactory(HttpMessageHandler handler) => _handler = handler;

        /// <summary>The settings with every SDK client built from them sending through <paramref name="handler"/>.</summary>
        public static AwsSettings Route(AwsSettings settings, HttpMessageHandler handler)
        {
            settings.HttpClientFactory = new HandlerHttpClientFactory(handler);
            return settings;
        }

        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new HttpClient(_handler, disposeHandler: false);

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;
    }
}
