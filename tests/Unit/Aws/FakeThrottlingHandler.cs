using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SshKms.Tests.Aws
{
    /// <summary>
    /// Test-only fault injector: answers the first <c>failures</c> requests with the given AWS error (moto
    /// never throttles), then returns a fixed success body. Records every request's headers for assertions.
    /// </summary>
    internal sealed class FakeThrottlingHandler : HttpMessageHandler
    {
        private readonly int _failures;
        private readonly HttpStatusCode _status;
        private readonly string _errorType;
        private readonly string _successBody;

        public FakeThrottlingHandler(int failures, HttpStatusCode status, string errorType, string successBody = "{}")
        {
            _failures = failures;
            _status = status;
            _errorType = errorType;
            _successBody = successBody;
        }

        public List<DateTime> Times { get; } = new List<DateTime>();

        public List<string> Authorizations { get; } = new List<string>();

        public List<string> Targets { get; } = new List<string>();

        public List<string> ContentTypes { get; } = new List<string>();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Times.Add(DateTime.UtcNow);
            Authorizations.Add(string.Join(",", request.Headers.TryGetValues("Authorization", out var a) ? a : Array.Empty<string>()));
            Targets.Add(string.Join(",", request.Headers.TryGetValues("X-Amz-Target", out var t) ? t : Array.Empty<string>()));
            ContentTypes.Add(request.Content?.Headers.ContentType?.ToString() ?? string.Empty);
            bool fail = Times.Count <= _failures;
            var response = new HttpResponseMessage(fail ? _status : HttpStatusCode.OK)
            {
                Content = new StringContent(fail ? $"{{\"__type\":\"com.amazonaws#{_errorType}\",\"message\":\"injected {_errorType}\"}}" : _successBody,
                    Encoding.UTF8, "application/x-amz-json-1.1"),
            };
            return Task.FromResult(response);
        }
    }
}
