using System;
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
using Amazon.Runtime.CredentialManagement;
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

        public static AwsJsonService Ssm { get; } = new AwsJsonService("ssm", "ssm", "AmazonSSM", "SSM");

        public static AwsJsonService ResourceGroupsTagging { get; } =
            new AwsJsonService("tagging", "tagging", "ResourceGroupsTaggingAPI_20170126", "RESOURCE_GROUPS_TAGGING_API");

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
    /// lacks. Requests are signed by AWSSDK.Core's public <see cref="SigV4SigningHandler"/> with credentials
    /// from the SDK's chain (or the named profile); throttling is retried with full-jitter backoff.
    /// Replacing it with AWSSDK.SecretsManager / AWSSDK.SimpleSystemsManagement touches only Core/Aws.
    /// </summary>
    public sealed class AwsJsonClient : IDisposable
    {
        internal const int DefaultMaxAttempts = 5;

        private readonly HttpClient _http;
        private readonly AwsJsonService _service;
        private readonly Random _jitter = new Random();

        public AwsJsonClient(AwsSettings settings, AwsJsonService service, HttpMessageHandler? transport = null)
        {
            _service = service;
            ResolvedAwsSettings resolved = AwsClientFactory.ResolveCredentialsAndRegion(settings);
            Endpoint = ResolveEndpoint(settings, service, resolved.Region);
            var parameters = new AWSSigV4Parameters
            {
                Credentials = resolved.Credentials,
                Region = RegionEndpoint.GetBySystemName(resolved.Region),
                Service = service.SigningName,
                SignPayload = true,
            };
            _http = new HttpClient(new SigV4SigningHandler(parameters, transport ?? new HttpClientHandler()))
            {
                Timeout = TimeSpan.FromSeconds(60),
            };
        }

        public Uri Endpoint { get; }

        /// <summary>Attempts per call before throttling becomes AwsThrottled.</summary>
        public int MaxAttempts { get; set; } = DefaultMaxAttempts;

        /// <summary>The first backoff step; each retry waits a random time up to base * 2^attempt (capped at 20 s).</summary>
        public TimeSpan BackoffBase { get; set; } = TimeSpan.FromMilliseconds(100);

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
            for (int attempt = 1; ; attempt++)
            {
                using HttpRequestMessage request = BuildRequest(operation, body);
                HttpResponseMessage response;
                try
                {
                    response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                }
                catch (HttpRequestException ex)
                {
                    throw Unreachable(ex);
                }
                catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    throw Unreachable(ex);
                }
                catch (AmazonClientException ex)
                {
                    // The signer resolves credentials lazily: a missing chain surfaces here.
                    throw new SshKmsException("AwsCredentialsMissing", SshKmsErrorCategory.AuthenticationError,
                        $"No usable AWS credentials for {_service.SigningName}: {ex.Message}");
                }

                using (response)
                {
                    byte[] content = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        if (OperationLog.IsListening)
                        {
                            string? requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null;
                            OperationLog.Report($"{_service.SigningName} {operation}: request id {requestId ?? "(none)"}");
                        }

                        return content;
                    }

                    string? headerType = response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.FirstOrDefault() : null;
                    (string code, string message) = AwsJsonErrors.Parse(content, headerType);
                    if (AwsJsonErrors.IsThrottling(response.StatusCode, code) && attempt < MaxAttempts)
                    {
                        await Task.Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    throw AwsJsonErrors.ToException(_service.SigningName, operation, response.StatusCode, code, message);
                }
            }
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

        internal TimeSpan Backoff(int attempt)
        {
            double capMs = Math.Min(20000, BackoffBase.TotalMilliseconds * Math.Pow(2, attempt));
            lock (_jitter)
            {
                return TimeSpan.FromMilliseconds(_jitter.NextDouble() * capMs);
            }
        }

        private HttpRequestMessage BuildRequest(string operation, byte[] body)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, Endpoint)
            {
                Content = new ByteArrayContent(body),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
            request.Headers.TryAddWithoutValidation("X-Amz-Target", _service.TargetPrefix + "." + operation);
            return request;
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
