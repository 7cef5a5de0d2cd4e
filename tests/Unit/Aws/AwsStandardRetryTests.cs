using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Aws;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Aws
{
    /// <summary>
    /// Our Secrets Manager client retries as AWSSDK.Core's own clients do (standard mode). Proved side by side: the
    /// SDK's KMS client and our JSON client meet the same FAKE faults (<see cref="FakeThrottlingHandler"/>), and must make
    /// the same number of attempts and report the same ErrorId.
    /// </summary>
    [Collection("aws")]
    public sealed class AwsStandardRetryTests
    {
        private readonly MotoServer _moto;

        public AwsStandardRetryTests(MotoServer moto) => _moto = moto;

        /// <summary>A fresh endpoint per case: the SDK keeps its retry quota per endpoint for the whole process.</summary>
        private static AwsSettings FakeEndpoint() =>
            new AwsSettings { Region = MotoServer.TestRegion, EndpointUrl = $"http://127.0.0.1:{FreePort.Next()}" };

        private static FakeThrottlingHandler Fault(int status, string type, int? clockOffsetMinutes) =>
            new FakeThrottlingHandler(100, (HttpStatusCode)status, type)
            {
                ServerClockOffset = clockOffsetMinutes is int m ? TimeSpan.FromMinutes(m) : (TimeSpan?)null,
            };

        [Theory]
        [InlineData(500, "InternalFailure", null, 3, "AwsServiceError")]
        [InlineData(503, "ServiceUnavailable", null, 3, "AwsServiceError")]
        [InlineData(504, "GatewayTimeout", null, 3, "AwsServiceError")]
        [InlineData(400, "ThrottlingException", null, 3, "AwsThrottled")]
        [InlineData(400, "RequestTimeout", null, 3, "AwsRequestFailed")]
        [InlineData(400, "RequestTimeTooSkewed", 60, 3, "AwsAuthenticationFailed")]
        [InlineData(400, "InvalidSignatureException", 60, 3, "AwsAuthenticationFailed")]
        [InlineData(400, "InvalidSignatureException", 0, 1, "AwsAuthenticationFailed")]
        [InlineData(400, "ValidationException", null, 1, "AwsInvalidRequest")]
        [InlineData(400, "AccessDeniedException", null, 1, "AwsAccessDenied")]
        [InlineData(0, FakeThrottlingHandler.ConnectionReset, null, 3, "AwsEndpointUnreachable")]
        public async Task SameFaultSameAttemptsAndErrorIdAsTheSdk(int status, string type, int? clockOffsetMinutes, int attempts, string errorId)
        {
            FakeThrottlingHandler sdkWire = Fault(status, type, clockOffsetMinutes);
            using (var kms = AwsClientFactory.CreateKms(HandlerHttpClientFactory.Route(FakeEndpoint(), sdkWire)))
            {
                SshKmsException sdk = await Assert.ThrowsAsync<SshKmsException>(() => AwsErrors.RunAsync("KMS DescribeKey",
                    () => kms.DescribeKeyAsync(new Amazon.KeyManagementService.Model.DescribeKeyRequest { KeyId = "alias/x" }), CancellationToken.None));
                Assert.Equal(errorId, sdk.ErrorId);
            }

            FakeThrottlingHandler ourWire = Fault(status, type, clockOffsetMinutes);
            using var sm = new SecretsManagerClient(FakeEndpoint(), ourWire);
            SshKmsException ours = await Assert.ThrowsAsync<SshKmsException>(() => sm.DescribeSecretAsync("x", CancellationToken.None));

            Assert.Equal(attempts, sdkWire.Times.Count);
            Assert.Equal(attempts, ourWire.Times.Count);
            Assert.Equal(errorId, ours.ErrorId);
        }

        [Theory]
        [InlineData(503, "ServiceUnavailable")]
        [InlineData(400, "ThrottlingException")]
        [InlineData(0, FakeThrottlingHandler.ConnectionReset)]
        public async Task AFaultThatClearsBeforeTheLastAttemptIsInvisible(int status, string type)
        {
            var fake = new FakeThrottlingHandler(AwsStandardRetry.MaxAttempts - 1, (HttpStatusCode)status, type, "{\"Name\":\"ok\"}");
            using var sm = new SecretsManagerClient(FakeEndpoint(), fake);
            Assert.Equal("ok", (await sm.DescribeSecretAsync("x", CancellationToken.None)).Name);
            Assert.Equal(AwsStandardRetry.MaxAttempts, fake.Times.Count);
        }

        [Fact]
        public async Task ClockSkewIsCorrectedBeforeTheRetry()
        {
            var fake = new FakeThrottlingHandler(1, (HttpStatusCode)400, "RequestTimeTooSkewed", "{\"Name\":\"ok\"}") { ServerClockOffset = TimeSpan.FromHours(1) };
            using var sm = new SecretsManagerClient(FakeEndpoint(), fake);
            Assert.Equal("ok", (await sm.DescribeSecretAsync("x", CancellationToken.None)).Name);

            DateTime Signed(int i) => DateTime.ParseExact(fake.SignedAt[i], "yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal);
            Assert.InRange((Signed(1) - Signed(0)).TotalMinutes, 59, 61);
            Assert.Contains("Credential=testing/" + Signed(1).ToString("yyyyMMdd"), fake.Authorizations[1]);
        }

        [Fact]
        public async Task TransientBackoffIsShortAndThrottlingBackoffLong()
        {
            // Full jitter: each wait is random(0, base * 2^(retry-1)), so two transient waits (50 ms base) sum to 75 ms on
            // average and throttling's (1 s base) to 1.5 s. The median of five runs' sums tells them apart, and a machine
            // stall of a second in one or two runs (seen under CI load) does not move it.
            var sums = new List<double>();
            for (int run = 0; run < 5; run++)
            {
                var transient = new FakeThrottlingHandler(100, (HttpStatusCode)503, "ServiceUnavailable");
                using (var sm = new SecretsManagerClient(FakeEndpoint(), transient))
                {
                    await Assert.ThrowsAsync<SshKmsException>(() => sm.DescribeSecretAsync("x", CancellationToken.None));
                }

                Assert.Equal(AwsStandardRetry.MaxAttempts - 1, transient.Gaps.Count);
                sums.Add(transient.Gaps.Sum(g => g.TotalMilliseconds));
            }

            sums.Sort();
            Assert.InRange(sums[2], 0, 600);
        }

        [Fact]
        public void BackoffIsFullJitterUnderAnExponentialCeiling()
        {
            var retry = new AwsStandardRetry();
            foreach ((AwsRetryKind kind, double baseMs) in new[] { (AwsRetryKind.Transient, 50.0), (AwsRetryKind.Throttling, 1000.0) })
            {
                for (int n = 1; n <= 3; n++)
                {
                    double ceiling = baseMs * Math.Pow(2, n - 1);
                    var delays = Enumerable.Range(0, 300).Select(_ => retry.Backoff(n, kind).TotalMilliseconds).ToList();
                    Assert.All(delays, d => Assert.InRange(d, 0, ceiling));
                    Assert.True(delays.Min() < ceiling * 0.2 && delays.Max() > ceiling * 0.8, $"{kind} retry {n}: full jitter spans 0..{ceiling} ms");
                    Assert.True(delays.Distinct().Count() > 250, "jittered");
                }
            }

            Assert.All(Enumerable.Range(0, 100), _ => Assert.InRange(retry.Backoff(30, AwsRetryKind.Throttling).TotalMilliseconds, 0, 20000));
        }

        [Fact]
        public void TheRetryQuotaStopsRetriesWhenSpentAndSuccessRefillsIt()
        {
            var retry = new AwsStandardRetry();
            int transient = 0;
            while (retry.TryAcquire(AwsRetryKind.Transient))
            {
                transient++;
            }

            // 500 tokens: 35 transient retries at 14, then the 10 left pay for two throttled ones at 5.
            Assert.Equal(35, transient);
            Assert.True(retry.TryAcquire(AwsRetryKind.Throttling));
            Assert.True(retry.TryAcquire(AwsRetryKind.Throttling));
            Assert.False(retry.TryAcquire(AwsRetryKind.Throttling));
            retry.Succeeded(AwsRetryKind.Transient);
            Assert.True(retry.TryAcquire(AwsRetryKind.Transient));
            Assert.False(retry.TryAcquire(AwsRetryKind.Throttling));
        }

        [Fact]
        public async Task ASpentQuotaReturnsTheErrorWithoutRetrying()
        {
            var fake = new FakeThrottlingHandler(int.MaxValue, (HttpStatusCode)503, "ServiceUnavailable");
            using var sm = new SecretsManagerClient(FakeEndpoint(), fake);
            for (int call = 0; call < 40; call++)
            {
                await Assert.ThrowsAsync<SshKmsException>(() => sm.DescribeSecretAsync("x", CancellationToken.None));
            }

            // 500 tokens pay for 35 transient retries; every later call is one attempt.
            Assert.Equal(40 + 35, fake.Times.Count);
        }

        [Fact]
        public async Task CallerCancellationIsNotRetried()
        {
            var fake = new FakeThrottlingHandler(100, (HttpStatusCode)400, "ThrottlingException");
            using var sm = new SecretsManagerClient(FakeEndpoint(), fake);
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sm.DescribeSecretAsync("x", cts.Token));
            Assert.InRange(fake.Times.Count, 1, 2);
        }

        [Fact]
        public async Task OurJsonClientStillTalksToMoto()
        {
            using var sm = new SecretsManagerClient(_moto.Settings);
            var ex = await Assert.ThrowsAsync<SshKmsException>(() => sm.DescribeSecretAsync("no-such-" + Guid.NewGuid().ToString("N"), CancellationToken.None));
            Assert.Equal("AwsResourceNotFound", ex.ErrorId);
        }
    }
}
