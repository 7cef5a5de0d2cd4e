using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SshKms.Tests.Aws
{
    /// <summary>
    /// Test-only FAKE fault injector (moto never throttles, resets or skews its clock): answers the first
    /// <c>failures</c> requests with the given AWS error, then returns a fixed success body. <see cref="ConnectionReset"/>
    /// makes a failure a dropped connection instead; <see cref="ServerClockOffset"/> dates error answers by a server
    /// clock that far from ours. Records every request's headers for assertions; safe for concurrent use.
    /// </summary>
    internal sealed class FakeThrottlingHandler : HttpMessageHandler
    {
        /// <summary>The errorType that stands for "the connection was reset" rather than an AWS error answer.</summary>
        public const string ConnectionReset = "connection-reset";

        private readonly int _failures;
        private readonly HttpStatusCode _status;
        private readonly string _errorType;
        private readonly string _successBody;
        private readonly object _lock = new object();

        public FakeThrottlingHandler(int failures, HttpStatusCode status, string errorType, string successBody = "{}")
        {
            _failures = failures;
            _status = status;
            _errorType = errorType;
            _successBody = successBody;
        }

        /// <summary>Error answers carry a Date header this far from our clock (null: no Date header).</summary>
        public TimeSpan? ServerClockOffset { get; set; }

        public List<DateTime> Times { get; } = new List<DateTime>();

        public List<string> Authorizations { get; } = new List<string>();

        public List<string> Targets { get; } = new List<string>();

        public List<string> ContentTypes { get; } = new List<string>();

        /// <summary>Each request's X-Amz-Date, the time it was signed at.</summary>
        public List<string> SignedAt { get; } = new List<string>();

        /// <summary>The gaps between consecutive requests.</summary>
        public IReadOnlyList<TimeSpan> Gaps
        {
            get
            {
                lock (_lock)
                {
                    return Times.Zip(Times.Skip(1), (a, b) => b - a).ToList();
                }
            }
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            bool fail;
            lock (_lock)
            {
                Times.Add(DateTime.UtcNow);
                Authorizations.Add(string.Join(",", request.Headers.TryGetValues("Authorization", out var a) ? a : Array.Empty<string>()));
                Targets.Add(string.Join(",", request.Headers.TryGetValues("X-Amz-Target", out var t) ? t : Array.Empty<string>()));
                ContentTypes.Add(request.Content?.Headers.ContentType?.ToString() ?? string.Empty);
                SignedAt.Add(string.Join(",", request.Headers.TryGetValues("X-Amz-Date", out var d) ? d : Array.Empty<string>()));
                fail = Times.Count <= _failures;
            }

            if (fail && _errorType == ConnectionReset)
            {
                throw new HttpRequestException("An error occurred while sending the request.", new IOException("Connection reset by peer"));
            }

            var response = new HttpResponseMessage(fail ? _status : HttpStatusCode.OK)
            {
                Content = new StringContent(fail ? $"{{\"__type\":\"com.amazonaws#{_errorType}\",\"message\":\"injected {_errorType}\"}}" : _successBody,
                    Encoding.UTF8, "application/x-amz-json-1.1"),
            };
            if (fail && ServerClockOffset is TimeSpan offset)
            {
                response.Headers.Date = DateTimeOffset.UtcNow + offset;
            }

            return Task.FromResult(response);
        }
    }
}
