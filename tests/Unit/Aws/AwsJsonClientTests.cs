using System;
using System.Linq;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Aws;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Aws
{
    [Collection("aws")]
    public sealed class AwsJsonClientTests
    {
        private readonly MotoServer _moto;

        public AwsJsonClientTests(MotoServer moto)
        {
            _moto = moto;
        }

        private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

        [Fact]
        public async Task SecretsManagerStagesRoundTripAgainstMoto()
        {
            using var sm = new SecretsManagerClient(_moto.Settings);
            string name = "test/" + Guid.NewGuid().ToString("N");
            SecretVersionRef first = await sm.CreateSecretAsync(name, Utf8("{\"v\":\"one\\\"quoted\"}"), null, Guid.NewGuid().ToString(), "d", CancellationToken.None);
            Assert.False(string.IsNullOrEmpty(first.VersionId));

            string token = Guid.NewGuid().ToString();
            SecretVersionRef pending = await sm.PutSecretValueAsync(name, token, Utf8("{\"v\":\"two\"}"), new[] { SecretsManagerClient.Pending }, CancellationToken.None);
            Assert.Equal(token, pending.VersionId);

            using (SecretValue current = await sm.GetSecretValueAsync(name, null, null, CancellationToken.None))
            {
                Assert.Equal("{\"v\":\"one\\\"quoted\"}", Encoding.UTF8.GetString(current.SecretUtf8));
                Assert.Contains(SecretsManagerClient.Current, current.VersionStages);
                Assert.Equal(first.VersionId, current.VersionId);
            }

            using (SecretValue p = await sm.GetSecretValueAsync(name, null, SecretsManagerClient.Pending, CancellationToken.None))
            {
                Assert.Equal("{\"v\":\"two\"}", Encoding.UTF8.GetString(p.SecretUtf8));
            }

            await sm.UpdateSecretVersionStageAsync(name, SecretsManagerClient.Current, token, first.VersionId, CancellationToken.None);
            DescribeSecretResponse described = await sm.DescribeSecretAsync(name, CancellationToken.None);
            Assert.Equal(token, described.VersionWithStage(SecretsManagerClient.Current));
            Assert.Equal(first.VersionId, described.VersionWithStage(SecretsManagerClient.Previous));
        }

        [Fact]
        public async Task MissingSecretIsAwsResourceNotFound()
        {
            using var sm = new SecretsManagerClient(_moto.Settings);
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => sm.DescribeSecretAsync("no-such-" + Guid.NewGuid().ToString("N"), CancellationToken.None));
            Assert.Equal("AwsResourceNotFound", ex.ErrorId);
            Assert.Equal(SshKmsErrorCategory.ObjectNotFound, ex.Category);
        }

        [Fact]
        public async Task DuplicateCreateIsResourceExistsAndBadStageIsInvalidRequest()
        {
            using var sm = new SecretsManagerClient(_moto.Settings);
            string name = "dup/" + Guid.NewGuid().ToString("N");
            await sm.CreateSecretAsync(name, Utf8("{}"), null, Guid.NewGuid().ToString(), null, CancellationToken.None);
            var exists = await Assert.ThrowsAsync<SshKmsException>(() => sm.CreateSecretAsync(name, Utf8("{}"), null, Guid.NewGuid().ToString(), null, CancellationToken.None));
            Assert.Equal("AwsResourceExists", exists.ErrorId);
            var invalid = await Assert.ThrowsAsync<SshKmsException>(() => sm.UpdateSecretVersionStageAsync(name, SecretsManagerClient.Current, "no-such-version", null, CancellationToken.None));
            Assert.True(invalid.ErrorId == "AwsInvalidRequest" || invalid.ErrorId == "AwsResourceNotFound", invalid.ErrorId);
        }

        [Fact]
        public async Task RequestsAreSigV4SignedJson11WithTarget()
        {
            var fake = new FakeThrottlingHandler(0, HttpStatusCode.OK, "none", "{\"ARN\":\"a\",\"Name\":\"n\"}");
            using var sm = new SecretsManagerClient(_moto.Settings, fake);
            DescribeSecretResponse r = await sm.DescribeSecretAsync("n", CancellationToken.None);
            Assert.Equal("n", r.Name);
            Assert.Equal("secretsmanager.DescribeSecret", fake.Targets.Single());
            Assert.StartsWith("application/x-amz-json-1.1", fake.ContentTypes.Single());
            Assert.Matches(new Regex(@"^AWS4-HMAC-SHA256 Credential=testing/\d{8}/us-east-1/secretsmanager/aws4_request, ?SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*x-amz-date[a-z0-9;-]*, ?Signature=[0-9a-f]{64}$"),
                fake.Authorizations.Single());
        }

        [Fact]
        public async Task ThrottlingIsRetriedWithBackoffThenSucceeds()
        {
            var fake = new FakeThrottlingHandler(AwsStandardRetry.MaxAttempts - 1, (HttpStatusCode)400, "ThrottlingException", "{\"Name\":\"ok\"}");
            using var sm = new SecretsManagerClient(_moto.Settings, fake);
            DescribeSecretResponse r = await sm.DescribeSecretAsync("x", CancellationToken.None);
            Assert.Equal("ok", r.Name);
            Assert.Equal(AwsStandardRetry.MaxAttempts, fake.Times.Count);
            Assert.All(fake.Gaps.Select((gap, i) => (gap, i)), g => Assert.InRange(g.gap.TotalMilliseconds, 0, 1000 * Math.Pow(2, g.i) + 500));
        }

        [Fact]
        public async Task PersistentThrottlingBecomesAwsThrottledAfterMaxAttempts()
        {
            var fake = new FakeThrottlingHandler(100, (HttpStatusCode)429, "TooManyRequestsException");
            using var sm = new SecretsManagerClient(_moto.Settings, fake);
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => sm.DescribeSecretAsync("x", CancellationToken.None));
            Assert.Equal("AwsThrottled", ex.ErrorId);
            Assert.Equal(SshKmsErrorCategory.LimitsExceeded, ex.Category);
            Assert.Equal(AwsStandardRetry.MaxAttempts, fake.Times.Count);
            Assert.All(fake.Targets, t => Assert.Equal("secretsmanager.DescribeSecret", t));
        }

        [Theory]
        [InlineData(400, "AccessDeniedException", "AwsAccessDenied", SshKmsErrorCategory.PermissionDenied, 1)]
        [InlineData(400, "InvalidRequestException", "AwsInvalidRequest", SshKmsErrorCategory.InvalidArgument, 1)]
        [InlineData(400, "InvalidParameterException", "AwsInvalidRequest", SshKmsErrorCategory.InvalidArgument, 1)]
        [InlineData(400, "ValidationException", "AwsInvalidRequest", SshKmsErrorCategory.InvalidArgument, 1)]
        [InlineData(400, "ResourceNotFoundException", "AwsResourceNotFound", SshKmsErrorCategory.ObjectNotFound, 1)]
        [InlineData(500, "InternalServiceError", "AwsServiceError", SshKmsErrorCategory.ResourceUnavailable, AwsStandardRetry.MaxAttempts)]
        public async Task ErrorBodiesMapToStableIds(int status, string type, string errorId, SshKmsErrorCategory category, int attempts)
        {
            var fake = new FakeThrottlingHandler(100, (HttpStatusCode)status, type);
            using var sm = new SecretsManagerClient(_moto.Settings, fake);
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => sm.DescribeSecretAsync("x", CancellationToken.None));
            Assert.Equal(errorId, ex.ErrorId);
            Assert.Equal(category, ex.Category);
            Assert.Equal(type, ex.AwsErrorCode);
            Assert.Equal(attempts, fake.Times.Count);
            Assert.Contains("injected", ex.Message);
        }

        [Fact]
        public async Task ClosedPortIsAwsEndpointUnreachable()
        {
            var settings = new AwsSettings { Region = "us-east-1", EndpointUrl = $"http://127.0.0.1:{FreePort.Next()}" };
            using var sm = new SecretsManagerClient(settings);
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => sm.DescribeSecretAsync("x", CancellationToken.None));
            Assert.Equal("AwsEndpointUnreachable", ex.ErrorId);
            Assert.Equal(SshKmsErrorCategory.ConnectionError, ex.Category);
        }

        [Fact]
        public void UnknownProfileIsAwsProfileNotFound()
        {
            var ex = Assert.Throws<SshKmsException>(() => new SecretsManagerClient(new AwsSettings { Region = "us-east-1", ProfileName = "no-such-profile-" + Guid.NewGuid().ToString("N") }));
            Assert.Equal("AwsProfileNotFound", ex.ErrorId);
        }

        [Fact]
        public void EndpointFollowsSettingsThenServiceVariableThenRegion()
        {
            Assert.Equal("https://secretsmanager.eu-west-1.amazonaws.com/", AwsJsonClient.ResolveEndpoint(new AwsSettings(), AwsJsonService.SecretsManager, "eu-west-1").ToString());
            Assert.Equal("http://x:1/", AwsJsonClient.ResolveEndpoint(new AwsSettings { EndpointUrl = "http://x:1" }, AwsJsonService.SecretsManager, "eu-west-1").ToString());
            var bad = Assert.Throws<SshKmsException>(() => AwsJsonClient.ResolveEndpoint(new AwsSettings { EndpointUrl = "ftp://x" }, AwsJsonService.SecretsManager, "eu-west-1"));
            Assert.Equal("AwsEndpointInvalid", bad.ErrorId);
        }
    }
}
