using System;
using System.Net;
using System.Text.Json;

namespace SshKms.Core.Aws
{
    /// <summary>
    /// Turns an AWS JSON-protocol error body ({"__type": "...#Code", "message": "..."}) into the one error
    /// type Core throws.
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

        /// <summary>The exception for an error answer, by the one mapping every AWS client shares (<see cref="AwsErrors.FromCode"/>).</summary>
        public static SshKmsException ToException(string service, string operation, HttpStatusCode status, string code, string message) =>
            AwsErrors.FromCode($"{service} {operation}", code, status, string.IsNullOrEmpty(message) ? code : message);
    }
}
