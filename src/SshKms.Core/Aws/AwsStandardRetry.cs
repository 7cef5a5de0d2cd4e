using System;
using System.Collections.Generic;
using System.Net;

namespace SshKms.Core.Aws
{
    /// <summary>What kind of failure a retry answers, which sets its backoff and its cost in the retry quota.</summary>
    internal enum AwsRetryKind
    {
        None,

        /// <summary>A connection reset, timeout, 500/502/503/504, a timeout code, or clock skew.</summary>
        Transient,

        /// <summary>A throttling code or HTTP 429.</summary>
        Throttling,
    }

    /// <summary>
    /// The AWS SDKs' "standard" retry mode, as AWSSDK.Core 4.1 applies it to its own clients (measured against the SDK's
    /// KMS client with a fault-injecting handler): at most 3 attempts; exponential backoff with full jitter,
    /// random(0, 1) * base * 2^(retry - 1) capped at 20 s, with base 50 ms for transient errors and 1 s for throttling;
    /// and a retry quota of 500 tokens per client that a transient retry costs 14 of and a throttled one 5, refunded
    /// when the retried call succeeds (a call that succeeds first time adds 1). When the quota runs dry the error is
    /// returned at once, so a service in trouble is not hammered. The SDK keeps its quota per endpoint for the whole
    /// process; here each client keeps its own, so no state is shared between callers.
    /// </summary>
    internal sealed class AwsStandardRetry
    {
        public const int MaxAttempts = 3;

        public const int QuotaCapacity = 500;

        public static readonly TimeSpan TransientBase = TimeSpan.FromMilliseconds(50);

        public static readonly TimeSpan ThrottlingBase = TimeSpan.FromSeconds(1);

        public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(20);

        /// <summary>The server's clock is this far from ours before a signature error counts as clock skew (the SDK's threshold).</summary>
        public static readonly TimeSpan SkewThreshold = TimeSpan.FromMinutes(4);

        private const int TransientCost = 14;
        private const int ThrottlingCost = 5;

        private static readonly HashSet<string> ThrottlingCodes = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
            "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
            "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
            "EC2ThrottledException",
        };

        private static readonly HashSet<string> TimeoutCodes = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "RequestTimeout", "RequestTimeoutException",
        };

        /// <summary>Codes that always mean our clock is off.</summary>
        private static readonly HashSet<string> DefiniteSkewCodes = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture",
        };

        /// <summary>Codes that mean clock skew only when the server's Date is more than <see cref="SkewThreshold"/> off.</summary>
        private static readonly HashSet<string> PossibleSkewCodes = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "InvalidSignatureException", "AuthFailure", "SignatureDoesNotMatch",
        };

        private readonly Random _jitter = new Random();
        private readonly object _lock = new object();
        private int _quota = QuotaCapacity;

        public static bool IsThrottling(HttpStatusCode status, string code) => (int)status == 429 || ThrottlingCodes.Contains(code);

        /// <summary>How an error answer is retried; <paramref name="serverSkew"/> is the server's Date minus our clock, when the answer had one.</summary>
        public static AwsRetryKind Classify(HttpStatusCode status, string code, TimeSpan? serverSkew)
        {
            if (IsThrottling(status, code))
            {
                return AwsRetryKind.Throttling;
            }

            int s = (int)status;
            if (s == 500 || s == 502 || s == 503 || s == 504 || TimeoutCodes.Contains(code) || IsClockSkew(code, serverSkew))
            {
                return AwsRetryKind.Transient;
            }

            return AwsRetryKind.None;
        }

        public static bool IsClockSkew(string code, TimeSpan? serverSkew) =>
            serverSkew.HasValue && (DefiniteSkewCodes.Contains(code) || (PossibleSkewCodes.Contains(code) && serverSkew.Value.Duration() > SkewThreshold));

        /// <summary>Takes a retry's cost from the quota; false when the quota cannot pay for it (then the error stands).</summary>
        public bool TryAcquire(AwsRetryKind kind)
        {
            int cost = kind == AwsRetryKind.Throttling ? ThrottlingCost : TransientCost;
            lock (_lock)
            {
                if (_quota < cost)
                {
                    return false;
                }

                _quota -= cost;
                return true;
            }
        }

        /// <summary>A call succeeded after <paramref name="lastRetry"/> (None: first time): refund that retry's cost, or add 1.</summary>
        public void Succeeded(AwsRetryKind lastRetry)
        {
            int refund = lastRetry == AwsRetryKind.None ? 1 : lastRetry == AwsRetryKind.Throttling ? ThrottlingCost : TransientCost;
            lock (_lock)
            {
                _quota = Math.Min(QuotaCapacity, _quota + refund);
            }
        }

        /// <summary>The wait before retry number <paramref name="retry"/> (1 = the first retry).</summary>
        public TimeSpan Backoff(int retry, AwsRetryKind kind)
        {
            double baseMs = (kind == AwsRetryKind.Throttling ? ThrottlingBase : TransientBase).TotalMilliseconds;
            double ceilingMs = Math.Min(MaxBackoff.TotalMilliseconds, baseMs * Math.Pow(2, retry - 1));
            lock (_lock)
            {
                return TimeSpan.FromMilliseconds(_jitter.NextDouble() * ceilingMs);
            }
        }
    }
}
