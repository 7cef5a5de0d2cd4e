using System;

namespace SshKms.Core.Sessions
{
    /// <summary>How one run of the system ssh or scp went. ErrorId is null when ssh itself succeeded (whatever the remote exit code).</summary>
    public sealed class SshProcessResult
    {
        public int ExitCode { get; set; }

        public string Output { get; set; } = string.Empty;

        public string Error { get; set; } = string.Empty;

        public TimeSpan Duration { get; set; }

        /// <summary>HostUnreachable, LoginRefused, HostKeyMismatch, HostKeyUnknown, SshFailed; null on success.</summary>
        public string? ErrorId { get; set; }

        public string? ErrorMessage { get; set; }
    }
}
