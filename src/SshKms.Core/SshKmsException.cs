using System;

namespace SshKms.Core
{
    /// <summary>
    /// What went wrong, in the terms PowerShell's ErrorCategory uses, so cmdlets map it one to one
    /// and the CLI can print it without knowing PowerShell.
    /// </summary>
    public enum SshKmsErrorCategory
    {
        NotSpecified,
        InvalidArgument,
        InvalidData,
        InvalidOperation,
        ObjectNotFound,
        PermissionDenied,
        AuthenticationError,
        SecurityError,
        ConnectionError,
        ResourceUnavailable,
        OperationTimeout,
        LimitsExceeded,
        NotImplemented,
        NotInstalled,
        ResourceExists,
        WriteError,
        ReadError,
    }

    /// <summary>
    /// The one error type Core throws for anything the caller can act on. ErrorId is stable: scripts and
    /// tests match on it, so never reword an id, only add new ones.
    /// </summary>
    public class SshKmsException : Exception
    {
        public SshKmsException(string errorId, SshKmsErrorCategory category, string message, Exception? inner = null)
            : base(message, inner)
        {
            ErrorId = errorId;
            Category = category;
        }

        public string ErrorId { get; }

        public SshKmsErrorCategory Category { get; }

        /// <summary>For an AWS service's error answer, the bare code it sent ("InvocationDoesNotExist"); null otherwise.</summary>
        public string? AwsErrorCode { get; internal set; }
    }
}
