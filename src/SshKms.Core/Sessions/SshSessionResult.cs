using System;

namespace SshKms.Core.Sessions
{
    /// <summary>One host's outcome. ErrorId is null when ssh reached the host and ran the command (whatever its exit code).</summary>
    public sealed class SshSessionResult
    {
        public string HostName { get; set; } = string.Empty;

        /// <summary>The remote exit code; 255 when ssh itself failed, -1 when it never ran.</summary>
        public int ExitCode { get; set; }

        public string Output { get; set; } = string.Empty;

        public string Error { get; set; } = string.Empty;

        public TimeSpan Duration { get; set; }

        public string Principal { get; set; } = string.Empty;

        public ulong? CertificateSerial { get; set; }

        public string? KeyId { get; set; }

        public string? ErrorId { get; set; }

        public string? ErrorMessage { get; set; }

        public bool Succeeded => ErrorId == null && ExitCode == 0;

        /// <summary>The failure as the one error type, for callers that report errors (cmdlets); null when ssh ran.</summary>
        public SshKmsException? ToException()
        {
            if (ErrorId == null)
            {
                return null;
            }

            SshKmsErrorCategory category = ErrorId == "HostUnreachable" ? SshKmsErrorCategory.ConnectionError
                : ErrorId == "LoginRefused" ? SshKmsErrorCategory.AuthenticationError
                : ErrorId == "HostKeyMismatch" || ErrorId == "HostKeyUnknown" ? SshKmsErrorCategory.SecurityError
                : ErrorId == "RevokedHostKeysUnreadable" ? SshKmsErrorCategory.ReadError
                : SshKmsErrorCategory.NotSpecified;
            return new SshKmsException(ErrorId, category, $"{HostName}: {ErrorMessage}");
        }
    }
}
