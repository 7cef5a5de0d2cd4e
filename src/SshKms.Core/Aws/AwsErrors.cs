using System;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Amazon.Runtime;

namespace SshKms.Core.Aws
{
    /// <summary>
    /// Turns SDK exceptions into SshKmsException with stable ids, so every AWS caller reports the same way.
    /// Wrap calls in <see cref="RunAsync{T}"/>, or call <see cref="Map"/> in a catch block.
    /// </summary>
    public static class AwsErrors
    {
        /// <summary>Runs one AWS call; SshKmsException and caller cancellation pass through, everything else is mapped.</summary>
        public static async Task<T> RunAsync<T>(string what, Func<Task<T>> call, CancellationToken cancellationToken)
        {
            try
            {
                T result = await call().ConfigureAwait(false);
                ReportCall(what, result);
                return result;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (SshKmsException)
            {
                throw;
            }
            catch (Exception ex)
            {
                throw Map(ex, what);
            }
        }

        /// <summary>Tells <see cref="OperationLog"/> which call was made and its request id (what AWS support and CloudTrail ask for).</summary>
        public static void ReportCall(string what, object? response)
        {
            if (OperationLog.IsListening)
            {
                string? requestId = (response as AmazonWebServiceResponse)?.ResponseMetadata?.RequestId;
                OperationLog.Report($"{what}: request id {requestId ?? "(none)"}");
            }
        }

        /// <summary>
        /// Maps an exception from an AWS call. <paramref name="what"/> names the operation and its subject for the
        /// message, e.g. "KMS GetPublicKey for alias/ssh-ca".
        /// </summary>
        public static SshKmsException Map(Exception exception, string what)
        {
            if (exception is SshKmsException known)
            {
                return known;
            }

            if (exception is AmazonServiceException service && (!string.IsNullOrEmpty(service.ErrorCode) || (int)service.StatusCode >= 400))
            {
                return MapService(service, what);
            }

            if (IsUnreachable(exception))
            {
                return new SshKmsException("AwsEndpointUnreachable", SshKmsErrorCategory.ConnectionError,
                    $"{what} failed: the AWS endpoint could not be reached ({Innermost(exception).Message}). Check the network, the region and the endpoint URL (AWS_ENDPOINT_URL).", exception);
            }

            if (exception is OperationCanceledException)
            {
                return new SshKmsException("AwsTimeout", SshKmsErrorCategory.OperationTimeout, $"{what} timed out.", exception);
            }

            if (exception is AmazonClientException && exception.Message.IndexOf("credential", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                return new SshKmsException("AwsCredentialsMissing", SshKmsErrorCategory.AuthenticationError,
                    $"{what} failed: no usable AWS credentials ({exception.Message}). Set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, run 'aws configure', or name an AWS profile.", exception);
            }

            return new SshKmsException("AwsRequestFailed", SshKmsErrorCategory.NotSpecified, $"{what} failed: {exception.Message}", exception);
        }

        private static SshKmsException MapService(AmazonServiceException ex, string what) =>
            FromCode(what, ex.ErrorCode, ex.StatusCode, ex.Message, ex);

        /// <summary>
        /// The one mapping from an AWS error code (and HTTP status) to an ErrorId, whichever client saw it: the SDK's
        /// clients (KMS, STS, SSM, EC2) through <see cref="Map"/>, and <see cref="AwsJsonClient"/>. The exception keeps
        /// AWS's own code, which tells apart codes that share an ErrorId.
        /// </summary>
        internal static SshKmsException FromCode(string what, string code, HttpStatusCode status, string message, Exception? inner = null)
        {
            SshKmsException mapped = IdFor(what, code ?? string.Empty, status, message, inner);
            mapped.AwsErrorCode = code;
            return mapped;
        }

        private static SshKmsException IdFor(string what, string code, HttpStatusCode status, string message, Exception? inner)
        {
            string detail = $"{what} failed: {code}: {message}";
            switch (code)
            {
                case "NotFoundException":
                    // KMS's code for a key or alias that does not exist.
                    return new SshKmsException("KmsKeyNotFound", SshKmsErrorCategory.ObjectNotFound,
                        $"{what} failed: the key does not exist in this account and region ({message}).", inner);
                case "ResourceNotFoundException":
                case "InvocationDoesNotExist":
                    return new SshKmsException("AwsResourceNotFound", SshKmsErrorCategory.ObjectNotFound, detail, inner);
                case "AccessDeniedException":
                case "AccessDenied":
                case "UnauthorizedOperation":
                    return new SshKmsException("AwsAccessDenied", SshKmsErrorCategory.PermissionDenied, detail, inner);
                case "UnrecognizedClientException":
                case "InvalidClientTokenId":
                case "InvalidSignatureException":
                case "SignatureDoesNotMatch":
                case "IncompleteSignature":
                case "AuthFailure":
                case "ExpiredTokenException":
                case "ExpiredToken":
                case "RequestExpired":
                case "RequestTimeTooSkewed":
                case "RequestInTheFuture":
                    return new SshKmsException("AwsAuthenticationFailed", SshKmsErrorCategory.AuthenticationError, detail, inner);
                case "KMSInvalidStateException":
                case "DisabledException":
                case "KeyUnavailableException":
                    return new SshKmsException("KmsKeyUnavailable", SshKmsErrorCategory.InvalidOperation,
                        $"{what} failed: the key is disabled, pending deletion or otherwise unusable ({code}).", inner);
                case "InvalidKeyUsageException":
                    return new SshKmsException("KmsKeyUsageUnsupported", SshKmsErrorCategory.InvalidOperation, detail, inner);
                case "UnsupportedOperationException":
                    return new SshKmsException("AwsOperationUnsupported", SshKmsErrorCategory.InvalidOperation, detail, inner);
                case "AlreadyExistsException":
                case "ResourceExistsException":
                    return new SshKmsException("AwsResourceExists", SshKmsErrorCategory.ResourceExists, detail, inner);
            }

            if (AwsStandardRetry.IsThrottling(status, code))
            {
                return new SshKmsException("AwsThrottled", SshKmsErrorCategory.LimitsExceeded,
                    $"{what} was throttled by AWS even after the retries ({code}); slow down, try again later or raise the service quota.", inner);
            }

            if (code.StartsWith("Invalid", StringComparison.Ordinal) || code.EndsWith(".NotFound", StringComparison.Ordinal)
                || code == "ValidationException" || code == "MalformedPolicyDocumentException")
            {
                return new SshKmsException("AwsInvalidRequest", SshKmsErrorCategory.InvalidArgument, detail, inner);
            }

            if ((int)status >= 500)
            {
                return new SshKmsException("AwsServiceError", SshKmsErrorCategory.ResourceUnavailable, $"{detail} (HTTP {(int)status}).", inner);
            }

            if (status == HttpStatusCode.Forbidden)
            {
                return new SshKmsException("AwsAccessDenied", SshKmsErrorCategory.PermissionDenied, detail, inner);
            }

            return new SshKmsException("AwsRequestFailed", SshKmsErrorCategory.NotSpecified, detail, inner);
        }

        private static bool IsUnreachable(Exception ex)
        {
            for (Exception? e = ex; e != null; e = e.InnerException)
            {
                if (e is HttpRequestException || e is SocketException || e is WebException || e is System.IO.IOException)
                {
                    return true;
                }
            }

            return false;
        }

        private static Exception Innermost(Exception ex)
        {
            while (ex.InnerException != null)
            {
                ex = ex.InnerException;
            }

            return ex;
        }
    }
}
