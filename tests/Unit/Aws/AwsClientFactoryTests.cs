using System;
using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using SshKms.Core;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Aws
{
    [Collection("aws")]
    public class AwsClientFactoryTests
    {
        private readonly MotoServer _moto;

        public AwsClientFactoryTests(MotoServer moto) => _moto = moto;

        [Fact]
        public async Task ExplicitEndpointAndRegion_ReachMoto()
        {
            using var kms = AwsClientFactory.CreateKms(_moto.Settings);
            var created = await kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = "ECC_NIST_P256", KeyUsage = "SIGN_VERIFY" });
            Assert.StartsWith("arn:aws:kms:us-east-1:", created.KeyMetadata.Arn);
            using var sts = AwsClientFactory.CreateSts(_moto.Settings);
            Assert.Equal("123456789012", (await sts.GetCallerIdentityAsync(new Amazon.SecurityToken.Model.GetCallerIdentityRequest())).Account);
        }

        [Fact]
        public async Task ServiceEndpointVariable_SendsOnlyThatServiceThere()
        {
            string? saved = Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_STS");
            try
            {
                // A VPC endpoint serves one service: STS goes to its own, KMS is untouched.
                Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_STS", _moto.Endpoint);
                Assert.Equal(_moto.Endpoint, AwsClientFactory.EffectiveEndpoint(new AwsSettings(), "STS"));
                Assert.Equal(Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL"), AwsClientFactory.EffectiveEndpoint(new AwsSettings(), "KMS"));
                Assert.Equal("http://explicit:1", AwsClientFactory.EffectiveEndpoint(new AwsSettings { EndpointUrl = "http://explicit:1" }, "STS"));
                using var sts = AwsClientFactory.CreateSts(new AwsSettings { Region = MotoServer.TestRegion });
                Assert.Equal("123456789012", (await sts.GetCallerIdentityAsync(new Amazon.SecurityToken.Model.GetCallerIdentityRequest())).Account);
            }
            finally
            {
                Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_STS", saved);
            }
        }

        [Fact]
        public void AwsEndpointUrlEnvironmentVariable_IsTheFallbackEndpoint()
        {
            string? saved = Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL");
            try
            {
                Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL", _moto.Endpoint);
                Assert.Equal(_moto.Endpoint, AwsClientFactory.EffectiveEndpoint(new AwsSettings()));
                Assert.Equal("http://explicit:1", AwsClientFactory.EffectiveEndpoint(new AwsSettings { EndpointUrl = "http://explicit:1" }));
                using var kms = AwsClientFactory.CreateKms(new AwsSettings { Region = MotoServer.TestRegion });
                Assert.NotNull(kms.ListKeysAsync(new ListKeysRequest()).GetAwaiter().GetResult().Keys);
            }
            finally
            {
                Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL", saved);
            }
        }

        [Fact]
        public async Task ClosedPort_IsAwsEndpointUnreachable_Quickly()
        {
            var settings = new AwsSettings { Region = MotoServer.TestRegion, EndpointUrl = $"http://127.0.0.1:{FreePort.Next()}", MaxErrorRetry = 0 };
            var watch = Stopwatch.StartNew();
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => SigningKeys.OpenAsync(KeyUri.Parse("alias/unreachable"), settings, CancellationToken.None));
            Assert.Equal("AwsEndpointUnreachable", ex.ErrorId);
            Assert.Equal(SshKmsErrorCategory.ConnectionError, ex.Category);
            Assert.Contains("endpoint", ex.Message);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
        }

        [Fact]
        public void UnknownProfile_IsAClearError()
        {
            var ex = Assert.Throws<SshKmsException>(() => AwsClientFactory.ResolveCredentialsAndRegion(
                new AwsSettings { ProfileName = "no-such-profile-" + Guid.NewGuid().ToString("N"), Region = "us-east-1" }));
            Assert.Equal("AwsProfileNotFound", ex.ErrorId);
            Assert.Contains("no-such-profile-", ex.Message);
        }

        [Fact]
        public void NoCredentialsAnywhere_IsAwsCredentialsMissing_SayingHowToSetThem()
        {
            string[] names = { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE" };
            var saved = new System.Collections.Generic.Dictionary<string, string?>();
            using var temp = new TempDir();
            try
            {
                foreach (string name in names)
                {
                    saved[name] = Environment.GetEnvironmentVariable(name);
                    Environment.SetEnvironmentVariable(name, null);
                }

                Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", temp.File("none"));
                Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", temp.File("none"));
                var ex = Assert.Throws<SshKmsException>(() => AwsClientFactory.ResolveCredentialsAndRegion(new AwsSettings { Region = "us-east-1", EndpointUrl = _moto.Endpoint }));
                Assert.Equal("AwsCredentialsMissing", ex.ErrorId);
                Assert.Contains("AWS_ACCESS_KEY_ID", ex.Message);
                Assert.Contains("AWS profile", ex.Message);
                Assert.DoesNotContain("--profile", ex.Message);
            }
            finally
            {
                foreach (var pair in saved)
                {
                    Environment.SetEnvironmentVariable(pair.Key, pair.Value);
                }
            }

            Assert.NotNull(AwsClientFactory.ResolveCredentialsAndRegion(_moto.Settings).Credentials);
        }

        [Fact]
        public void NoRegionAnywhere_IsAwsRegionMissing_SayingHowToSetIt()
        {
            string? region = Environment.GetEnvironmentVariable("AWS_REGION");
            string? defaultRegion = Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION");
            string? config = Environment.GetEnvironmentVariable("AWS_CONFIG_FILE");
            using var temp = new TempDir();
            try
            {
                Environment.SetEnvironmentVariable("AWS_REGION", null);
                Environment.SetEnvironmentVariable("AWS_DEFAULT_REGION", null);
                Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", temp.File("no-config"));
                Amazon.Runtime.FallbackRegionFactory.Reset();
                var ex = Assert.Throws<SshKmsException>(() => AwsClientFactory.ResolveCredentialsAndRegion(new AwsSettings { EndpointUrl = _moto.Endpoint }));
                Assert.Equal("AwsRegionMissing", ex.ErrorId);
                Assert.Contains("AWS region", ex.Message);
                Assert.DoesNotContain("--region", ex.Message);
                Assert.Contains("AWS_REGION", ex.Message);
            }
            finally
            {
                Environment.SetEnvironmentVariable("AWS_REGION", region);
                Environment.SetEnvironmentVariable("AWS_DEFAULT_REGION", defaultRegion);
                Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", config);
                Amazon.Runtime.FallbackRegionFactory.Reset();
            }
        }
    }

    public class AwsErrorsTests
    {
        [Theory]
        [InlineData("NotFoundException", "KmsKeyNotFound", SshKmsErrorCategory.ObjectNotFound)]
        [InlineData("AccessDeniedException", "AwsAccessDenied", SshKmsErrorCategory.PermissionDenied)]
        [InlineData("KMSInvalidStateException", "KmsKeyUnavailable", SshKmsErrorCategory.InvalidOperation)]
        [InlineData("DisabledException", "KmsKeyUnavailable", SshKmsErrorCategory.InvalidOperation)]
        [InlineData("ThrottlingException", "AwsThrottled", SshKmsErrorCategory.LimitsExceeded)]
        [InlineData("UnrecognizedClientException", "AwsAuthenticationFailed", SshKmsErrorCategory.AuthenticationError)]
        [InlineData("SomethingNew", "AwsRequestFailed", SshKmsErrorCategory.NotSpecified)]
        public void ServiceErrorCodes_MapToStableIds(string code, string errorId, SshKmsErrorCategory category)
        {
            var aws = new AmazonServiceException("the service said no", null, ErrorType.Sender, code, "req-1", HttpStatusCode.BadRequest);
            SshKmsException mapped = AwsErrors.Map(aws, "KMS Sign with alias/x");
            Assert.Equal(errorId, mapped.ErrorId);
            Assert.Equal(category, mapped.Category);
            Assert.StartsWith("KMS Sign with alias/x", mapped.Message);
        }

        [Fact]
        public void HttpFailure_IsAwsEndpointUnreachable()
        {
            var mapped = AwsErrors.Map(new AmazonClientException("send failed", new HttpRequestException("Connection refused")), "STS GetCallerIdentity");
            Assert.Equal("AwsEndpointUnreachable", mapped.ErrorId);
            Assert.Contains("Connection refused", mapped.Message);
        }

        [Fact]
        public async Task RunAsync_PassesCallerCancellationThrough()
        {
            using var cts = new CancellationTokenSource();
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                AwsErrors.RunAsync<int>("x", () => Task.FromCanceled<int>(cts.Token), cts.Token));
        }
    }
}

namespace SshKms.Tests.Aws
{
    [Collection("aws")]
    public class AwsProfileTests
    {
        private readonly MotoServer _moto;

        public AwsProfileTests(MotoServer moto) => _moto = moto;

        /// <summary>
        /// In a fresh process: the SDK snapshots AWS_* variables the first time it reads them, so a profile file
        /// set up mid-run would not be seen in this one.
        /// </summary>
        [Fact]
        public void ProfileName_TakesCredentialsAndRegionFromTheSharedFiles()
        {
            using var dir = new TempDir();
            System.IO.File.WriteAllText(dir.File("credentials"), "[sshkms-test]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = profilesecret\n");
            System.IO.File.WriteAllText(dir.File("config"), "[profile sshkms-test]\nregion = eu-west-3\n");
            var env = new System.Collections.Generic.Dictionary<string, string?>
            {
                ["AWS_SHARED_CREDENTIALS_FILE"] = dir.File("credentials"),
                ["AWS_CONFIG_FILE"] = dir.File("config"),
                ["AWS_ACCESS_KEY_ID"] = null,
                ["AWS_SECRET_ACCESS_KEY"] = null,
                ["AWS_REGION"] = null,
                ["AWS_DEFAULT_REGION"] = null,
            };
            string alias = "alias/profile-" + System.Guid.NewGuid().ToString("N").Substring(0, 8);
            var r = Tool.Sshkms(new[] { "ca", "create", "--ca", "awskms:" + alias, "--profile", "sshkms-test", "--endpoint-url", _moto.Endpoint }, env);
            Assert.True(r.ExitCode == 0, r.Error);
            Assert.Contains("(arn:aws:kms:eu-west-3:", r.Error);
            Assert.StartsWith("ecdsa-sha2-nistp256 ", r.Output);

            var missing = Tool.Sshkms(new[] { "ca", "public-key", "--ca", "awskms:" + alias, "--profile", "no-such-profile", "--endpoint-url", _moto.Endpoint }, env);
            Assert.Equal(1, missing.ExitCode);
            Assert.Contains("[AwsProfileNotFound]", missing.Error);
        }
    }
}
