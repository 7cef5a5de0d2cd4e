using System;
using System.Net;
using System.Text.Json;

namespace SshKms.Core.Aws
{
    /// <summary>
    /// Turns an AWS JSON-protocol error body ({"__type": "...#Code", "message": "..."}) into the one error
    /// type Core throws. Throttling is recognised here but retried by <see cref="AwsJsonClient"/>.
    /// </summary>
    internal static class AwsJsonErrors
    {
        /// <summary>The bare error code: "com.amazonaws...#ResourceNotFoundException" becomes "ResourceNotFoundException".</summary>
        public static (string Code, string Message) Parse(byte[] body, string? headerType)
        {
            string code = headerType ?? string.Empty;
            string message = string.Empty;
            try
            {
                using JsonDocument doc = JsonDocument.Parse(body);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                {
                    foreach (JsonProperty p in doc.RootElement.EnumerateObject())
                    {
                        if (p.NameEquals("__type") && p.Value.ValueKind == JsonValueKind.String)
                        {
                            code = p.Value.GetString() ?? code;
                        }
                        else if ((p.NameEquals("message") || p.NameEquals("Message")) && p.Value.ValueKind == JsonValueKind.String)
                        {
                            message = p.Value.GetString() ?? string.Empty;
                        }
                    }
                }
            }
            catch (JsonException)
            {
                // Not JSON (a proxy's HTML page, say): the status code alone decides.
            }

            int hash = code.LastIndexOf('#');
            if (hash >= 0)
            {
                code = code.Substring(hash + 1);
            }

            int colon = code.IndexOf(':');
            if (colon >= 0)
            {
                code = code.Substring(0, colon);
            }

            return (code, message);
        }

        public static bool IsThrottling(HttpStatusCode status, string code) =>
            (int)status == 429
            || code.StartsWith("Throttling", StringComparison.Ordinal)
            || code == "TooManyRequestsException"
            || code == "RequestLimitExceeded"
            || code == "ProvisionedThroughputExceededException";

        /// <summary>The exception for an error answer; it keeps AWS's own code, which tells apart codes that share an ErrorId.</summary>
        public static SshKmsException ToException(string service, string operation, HttpStatusCode status, string code, string message)
        {
            SshKmsException ex = ToIdAndCategory(service, operation, status, code, message);
            ex.AwsErrorCode = code;
            return ex;
        }

        private static SshKmsException ToIdAndCategory(string service, string operation, HttpStatusCode status, string code, string message)
        {
            string detail = $"{service} {operation} failed: {(string.IsNullOrEmpty(message) ? code : message)}";
            if (code == "ResourceNotFoundException" || code == "InvocationDoesNotExist")
            {
                return new SshKmsException("AwsResourceNotFound", SshKmsErrorCategory.ObjectNotFound, detail);
            }

            if (code.StartsWith("AccessDenied", StringComparison.Ordinal) || code == "UnrecognizedClientException"
                || code == "InvalidSignatureException" || code == "ExpiredTokenException" || status == HttpStatusCode.Forbidden)
            {
                return new SshKmsException("AwsAccessDenied", SshKmsErrorCategory.PermissionDenied, detail);
            }

            if (code == "ResourceExistsException")
            {
                return new SshKmsException("AwsResourceExists", SshKmsErrorCategory.ResourceExists, detail);
            }

            if (IsThrottling(status, code))
            {
                return new SshKmsException("AwsThrottled", SshKmsErrorCategory.LimitsExceeded, detail + " (still throttled after retries)");
            }

            if (code.StartsWith("Invalid", StringComparison.Ordinal) || code == "ValidationException" || code == "MalformedPolicyDocumentException"
                || (int)status >= 400 && (int)status < 500)
            {
                return new SshKmsException("AwsInvalidRequest", SshKmsErrorCategory.InvalidArgument, detail);
            }

            return new SshKmsException("AwsServiceError", SshKmsErrorCategory.ResourceUnavailable, $"{detail} (HTTP {(int)status}).");
        }
    }
}
