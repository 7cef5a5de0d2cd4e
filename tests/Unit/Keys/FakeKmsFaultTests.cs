using System;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Tests.Aws;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Keys
{
    /// <summary>
    /// Faults moto cannot produce (it never throttles and does not enforce disabled keys): a FAKE answers the Sign
    /// request with the KMS error body; GetPublicKey still comes from moto.
    /// </summary>
    [Collection("aws")]
    public class FakeKmsFaultTests
    {
        private readonly MotoServer _moto;

        public FakeKmsFaultTests(MotoServer moto) => _moto = moto;

        private static HttpResponseMessage FakeKmsError(HttpStatusCode status, string type, string message) =>
            new HttpResponseMessage(status)
            {
                Content = new StringContent($"{{\"__type\":\"{type}\",\"message\":\"{message}\"}}", Encoding.UTF8, "application/x-amz-json-1.1"),
            };

        private async Task<(ISigningKey key, RecordingHttpClientFactory recorder)> OpenWithFakeSign(HttpStatusCode status, string type, int retries)
        {
            ISigningKey created = await SigningKeys.CreateAsync(
                KeyUri.Parse("alias/fault-" + Guid.NewGuid().ToString("N").Substring(0, 10)), null, _moto.Settings, CancellationToken.None);
            var recorder = new RecordingHttpClientFactory { Intercept = r => r.Operation == "Sign" ? FakeKmsError(status, type, "fake fault") : null };
            AwsSettings settings = _moto.Settings;
            settings.HttpClientFactory = recorder;
            settings.MaxErrorRetry = retries;
            return (await SigningKeys.OpenAsync(KeyUri.Parse(created.KeyArn), settings, CancellationToken.None), recorder);
        }

        [Fact]
        public async Task Throttling_IsRetriedByTheSdk_ThenAwsThrottled()
        {
            var (key, recorder) = await OpenWithFakeSign(HttpStatusCode.BadRequest, "ThrottlingException", retries: 2);
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => key.SignAsync(new byte[] { 1, 2, 3 }, null, CancellationToken.None));
            Assert.Equal("AwsThrottled", ex.ErrorId);
            Assert.Equal(SshKmsErrorCategory.LimitsExceeded, ex.Category);
            Assert.Equal(3, recorder.Count("Sign"));
        }

        [Theory]
        [InlineData("DisabledException")]
        [InlineData("KMSInvalidStateException")]
        public async Task DisabledOrPendingDeletionKey_IsKmsKeyUnavailable(string type)
        {
            var (key, _) = await OpenWithFakeSign(HttpStatusCode.BadRequest, type, retries: 0);
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => key.SignAsync(new byte[] { 1 }, null, CancellationToken.None));
            Assert.Equal("KmsKeyUnavailable", ex.ErrorId);
            Assert.Equal(SshKmsErrorCategory.InvalidOperation, ex.Category);
        }

        [Fact]
        public async Task AccessDenied_IsAwsAccessDenied()
        {
            var (key, _) = await OpenWithFakeSign(HttpStatusCode.BadRequest, "AccessDeniedException", retries: 0);
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => key.SignAsync(new byte[] { 1 }, null, CancellationToken.None));
            Assert.Equal("AwsAccessDenied", ex.ErrorId);
            Assert.Equal(SshKmsErrorCategory.PermissionDenied, ex.Category);
        }
    
        [Fact]
        public async Task SymmetricKeyOnRealKms_GetPublicKeyUnsupported_IsKmsKeyUsageUnsupported()
        {
            // Real KMS answers GetPublicKey on a symmetric key with UnsupportedOperationException (moto returns a made-up RSA key).
            var recorder = new RecordingHttpClientFactory
            {
                Intercept = r => r.Operation == "GetPublicKey" ? FakeKmsError(HttpStatusCode.BadRequest, "UnsupportedOperationException", "fake: symmetric key") : null,
            };
            AwsSettings settings = _moto.Settings;
            settings.HttpClientFactory = recorder;
            settings.MaxErrorRetry = 0;
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => SigningKeys.OpenAsync(
                KeyUri.Parse("alias/fake-symmetric-" + Guid.NewGuid().ToString("N").Substring(0, 8)), settings, CancellationToken.None));
            Assert.Equal("KmsKeyUsageUnsupported", ex.ErrorId);
            Assert.Equal(0, recorder.Count("Sign"));
        }
    }
}
