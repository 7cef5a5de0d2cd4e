using System;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json;

namespace SshKms.Tests.Keys
{
    /// <summary>A KMS JSON answer as the FAKE KMS interceptors send it: 200, the body, and a request id marked "fake-".</summary>
    internal static class FakeKmsResponse
    {
        public static HttpResponseMessage Json(object body)
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/x-amz-json-1.1"),
            };
            response.Headers.Add("x-amzn-RequestId", "fake-" + Guid.NewGuid().ToString("N"));
            return response;
        }
    }
}
