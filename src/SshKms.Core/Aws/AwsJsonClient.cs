using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;

namespace SshKms.Core.Aws
{
    /// <summary>Which AWS JSON-protocol service a client talks to.</summary>
    public sealed class AwsJsonService
    {
        public AwsJsonService(string signingName, string endpointPrefix, string targetPrefix, string endpointEnvSuffix)
        {
            SigningName = signingName;
            EndpointPrefix = endpointPrefix;
            TargetPrefix = targetPrefix;
            EndpointEnvSuffix = endpointEnvSuffix;
        }

        public static AwsJsonService SecretsManager { get; } = new AwsJsonService("secretsmanager", "secretsmanager", "secretsmanager", "SECRETS_MANAGER");


        /// <summary>The SigV4 service name.</summary>
        public string SigningName { get; }

        public string EndpointPrefix { get; }

        /// <summary>Prefix of X-Amz-Target: "secretsmanager.GetSecretValue", "AmazonSSM.SendCommand".</summary>
        public string TargetPrefix { get; }

        /// <summary>Suffix of the service-specific endpoint variable, AWS_ENDPOINT_URL_&lt;suffix&gt;.</summary>
        public string EndpointEnvSuffix { get; }
    }

    /// <summary>
    /// A minimal client for AWS's JSON 1.1 protocol, for the services whose official packages the registry
    /// lacks (Secrets Manager, CloudTrail). Requests are signed by AWSSDK.Core's public SigV4 signer with credentials
    /// from the SDK's chain (or the named profile), and retried as the SDK's own clients retry
    /// (<see cref="AwsStandardRetry"/>); errors map to ErrorIds by the mapping the SDK-based clients share
    /// (<see cref="AwsErrors"/>).
    /// </summary>
    public sealed class AwsJsonClient : IDisposable
    {
        private readonly HttpClient _http;
        private readonly AwsJsonService _service;
        private readonly AWSCredentials _credentials;
        private readonly RegionEndpoint _region;
        private readonly AwsStandardRetry _retry = new AwsStandardRetry();

        /// <summary>The server's clock minus ours, learnt from a clock-skew error; requests are signed at our time plus it.</summary>
        private long _clockSkewTicks;

        public AwsJsonClient(AwsSettings settings, AwsJsonService service, HttpMessageHandler? transport = null)
        {
            _service = service;
            ResolvedAwsSettings resolved = AwsClientFactory.ResolveCredentialsAndRegion(settings);
            Endpoint = ResolveEndpoint(settings, service, resolved.Region);
            _credentials = resolved.Credentials;
            _region = RegionEndpoint.GetBySystemName(resolved.Region);
            _http = new HttpClient(transport ?? new HttpClientHandler(), disposeHandler: true)
            {
                Timeout = TimeSpan.FromSeconds(60),
            };
        }

        public Uri Endpoint { get; }

        /// <summary>Calls an operation with a serialisable request and reads the typed response.</summary>
        public async Task<TResponse> CallAsync<TRequest, TResponse>(string operation, TRequest request, CancellationToken cancellationToken)
        {
            byte[] body = JsonSerializer.SerializeToUtf8Bytes(request, AwsJson.Options);
            byte[] response = await SendAsync(operation, body, cancellationToken).ConfigureAwait(false);
            return Deserialize<TResponse>(operation, response);
        }

        /// <summary>
        /// Sends a body the caller wrote (so secret values can stay in byte arrays) and returns the raw
        /// response. The caller owns both buffers and should zero them when they held secrets.
        /// </summary>
        public async Task<byte[]> SendAsync(string operation, byte[] body, CancellationToken cancellationToken)
        {
            AwsRetryKind lastRetry = AwsRetryKind.None;
            for (int attempt = 1; ; attempt++)
            {
                using HttpRequestMessage request = await SignedRequestAsync(operation, body, cancellationToken).ConfigureAwait(false);
                HttpResponseMessage response;
                try
                {
                    response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (IsConnectionFailure(ex, cancellationToken))
                {
                    // A reset, refused or timed-out connection: transient, as the SDK counts it.
                    if (await RetryAsync(attempt, AwsRetryKind.Transient, cancellationToken).ConfigureAwait(false))
                    {
                        lastRetry = AwsRetryKind.Transient;
                        continue;
                    }

                    throw Unreachable(ex);
                }

                using (response)
                {
                    byte[] content = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        _retry.Succeeded(lastRetry);
                        if (OperationLog.IsListening)
                        {
                            string? requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null;
                            OperationLog.Report($"{_service.SigningName} {operation}: request id {requestId ?? "(none)"}");
                        }

                        return content;
                    }

                    string? headerType = response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.FirstOrDefault() : null;
                    (string code, string message) = AwsJsonErrors.Parse(content, headerType);
                    TimeSpan? serverSkew = response.Headers.Date is DateTimeOffset serverTime ? serverTime.UtcDateTime - DateTime.UtcNow : (TimeSpan?)null;
                    AwsRetryKind kind = AwsStandardRetry.Classify(response.StatusCode, code, serverSkew);
                    if (AwsStandardRetry.IsClockSkew(code, serverSkew))
                    {
                        Interlocked.Exchange(ref _clockSkewTicks, serverSkew!.Value.Ticks);
                    }

                    if (kind != AwsRetryKind.None && await RetryAsync(attempt, kind, cancellationToken).ConfigureAwait(false))
                    {
                        lastRetry = kind;
                        continue;
                    }

                    throw AwsJsonErrors.ToException(_service.SigningName, operation, response.StatusCode, code, message);
                }
            }
        }

        /// <summary>Waits out the backoff and says true when one more attempt is allowed (attempts left and quota to pay for it).</summary>
        private async Task<bool> RetryAsync(int attempt, AwsRetryKind kind, CancellationToken cancellationToken)
        {
            if (attempt >= AwsStandardRetry.MaxAttempts || !_retry.TryAcquire(kind))
            {
                return false;
            }

            await Task.Delay(_retry.Backoff(attempt, kind), cancellationToken).ConfigureAwait(false);
            return true;
        }

        private static bool IsConnectionFailure(Exception ex, CancellationToken cancellationToken) =>
            ex is HttpRequestException || ex is IOException || ex is TimeoutException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

        /// <summary>Each attempt is signed anew, at our clock plus any skew a previous answer revealed.</summary>
        private async Task<HttpRequestMessage> SignedRequestAsync(string operation, byte[] body, CancellationToken cancellationToken)
        {
            const string contentType = "application/x-amz-json-1.1";
            string target = _service.TargetPrefix + "." + operation;
            var signing = new AWSSigningRequest { HttpMethod = HttpMethod.Post, RequestUri = Endpoint, Content = body };
            signing.Headers["Content-Type"] = contentType;
            signing.Headers["X-Amz-Target"] = target;
            var parameters = new AWSSigV4Parameters
            {
                Credentials = _credentials,
                Region = _region,
                Service = _service.SigningName,
                SignPayload = true,
                SignedAt = DateTime.UtcNow + TimeSpan.FromTicks(Interlocked.Read(ref _clockSkewTicks)),
            };
            AWSSigningResult signed;
            try
            {
                signed = await AWSSigV4Signer.SignAsync(signing, parameters, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonClientException ex)
            {
                // The signer resolves credentials lazily: a missing chain surfaces here.
                throw new SshKmsException("AwsCredentialsMissing", SshKmsErrorCategory.AuthenticationError,
                    $"No usable AWS credentials for {_service.SigningName}: {ex.Message}");
            }

            var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
            foreach (KeyValuePair<string, string> header in signed.Headers)
            {
                if (!string.Equals(header.Key, "Content-Type", StringComparison.OrdinalIgnoreCase) && !string.Equals(header.Key, "X-Amz-Target", StringComparison.OrdinalIgnoreCase)
                    && !string.Equals(header.Key, "Host", StringComparison.OrdinalIgnoreCase))
                {
                    request.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
            }

            return request;
        }

        internal TResponse Deserialize<TResponse>(string operation, byte[] response)
        {
            try
            {
                return JsonSerializer.Deserialize<TResponse>(response, AwsJson.Options)
                    ?? throw new JsonException("empty response");
            }
            catch (JsonException)
            {
                throw new SshKmsException("AwsResponseInvalid", SshKmsErrorCategory.InvalidData,
                    $"{_service.SigningName} {operation} returned a response that is not the expected JSON.");
            }
        }

        private SshKmsException Unreachable(Exception ex) =>
            new SshKmsException("AwsEndpointUnreachable", SshKmsErrorCategory.ConnectionError,
                $"Could not reach {_service.SigningName} at {Endpoint}: {ex.Message}");

        internal static Uri ResolveEndpoint(AwsSettings settings, AwsJsonService service, string region)
        {
            string? url = settings.EndpointUrl
                ?? Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_" + service.EndpointEnvSuffix)
                ?? Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL");
            if (string.IsNullOrEmpty(url))
            {
                string suffix = region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";
                url = $"https://{service.EndpointPrefix}.{region}.{suffix}";
            }

            if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || (uri.Scheme != "https" && uri.Scheme != "http"))
            {
                throw new SshKmsException("AwsEndpointInvalid", SshKmsErrorCategory.InvalidArgument, $"'{url}' is not an http(s) endpoint URL.");
            }

            return uri;
        }

        public void Dispose() => _http.Dispose();
    }

    internal static class AwsJson
    {
        public static readonly JsonSerializerOptions Options = new JsonSerializerOptions
        {
            DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        };
    }
}
