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

            if (exception is AmazonServiceException service && !string.IsNullOrEmpty(service.ErrorCode))
            {
                return MapService(service, what);
            }

            if (IsUnreachable(exception))
            {
                return new SshKmsException("AwsEndpointUnreachable", SshKmsErrorCategory.ConnectionError,
                    $"{what} failed: the AWS endpoint could not be reached ({Innermost(exception).Message}). Check the network, the region and --endpoint-url / AWS_ENDPOINT_URL.", exception);
            }

            if (exception is OperationCanceledException)
            {
                return new SshKmsException("AwsTimeout", SshKmsErrorCategory.OperationTimeout, $"{what} timed out.", exception);
            }

            if (exception is AmazonClientException && exception.Message.IndexOf("credential", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                return new SshKmsException("AwsCredentialsMissing", SshKmsErrorCategory.AuthenticationError,
                    $"{what} failed: no usable AWS credentials ({exception.Message}). Set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, run 'aws configure', or pass -ProfileName / --profile.", exception);
            }

            return new SshKmsException("AwsRequestFailed", SshKmsErrorCategory.NotSpecified, $"{what} failed: {exception.Message}", exception);
        }

        private static SshKmsException MapService(AmazonServiceException ex, string what)
        {
            string code = ex.ErrorCode;
            string detail = $"{what} failed: {code}: {ex.Message}";
            switch (code)
            {
                case "NotFoundException":
                case "ResourceNotFoundException":
                    return new SshKmsException("KmsKeyNotFound", SshKmsErrorCategory.ObjectNotFound,
                        $"{what} failed: the key does not exist in this account and region ({ex.Message}).", ex);
                case "AccessDeniedException":
                case "AccessDenied":
                case "UnauthorizedOperation":
                    return new SshKmsException("AwsAccessDenied", SshKmsErrorCategory.PermissionDenied, detail, ex);
                case "UnrecognizedClientException":
                case "InvalidClientTokenId":
                case "InvalidSignatureException":
                case "SignatureDoesNotMatch":
                case "ExpiredTokenException":
                case "ExpiredToken":
                    return new SshKmsException("AwsAuthenticationFailed", SshKmsErrorCategory.AuthenticationError, detail, ex);
                case "KMSInvalidStateException":
                case "DisabledException":
                case "KeyUnavailableException":
                    return new SshKmsException("KmsKeyUnavailable", SshKmsErrorCategory.InvalidOperation,
                        $"{what} failed: the key is disabled, pending deletion or otherwise unusable ({code}).", ex);
                case "InvalidKeyUsageException":
                    return new SshKmsException("KmsKeyUsageUnsupported", SshKmsErrorCategory.InvalidOperation, detail, ex);
                case "UnsupportedOperationException":
                    return new SshKmsException("AwsOperationUnsupported", SshKmsErrorCategory.InvalidOperation, detail, ex);
                case "AlreadyExistsException":
                    return new SshKmsException("AwsResourceExists", SshKmsErrorCategory.ResourceExists, detail, ex);
                case "ThrottlingException":
                case "Throttling":
                case "LimitExceededException":
                case "RequestLimitExceeded":
                case "TooManyRequestsException":
                    return new SshKmsException("KmsThrottled", SshKmsErrorCategory.LimitsExceeded,
                        $"{what} was throttled by AWS even after the SDK's retries; try again later or raise the KMS request quota.", ex);
                case "ValidationException":
                case "InvalidParameterValueException":
                    return new SshKmsException("AwsRequestInvalid", SshKmsErrorCategory.InvalidArgument, detail, ex);
                default:
                    return new SshKmsException("AwsRequestFailed", SshKmsErrorCategory.NotSpecified, detail, ex);
            }
        }

        private static bool IsUnreachable(Exception ex)
        {
            for (Exception? e = ex; e != null; e = e.InnerException)
            {
                if (e is HttpRequestException || e is SocketException || e is WebException)
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
