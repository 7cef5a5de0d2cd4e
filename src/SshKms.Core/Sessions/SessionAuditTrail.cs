using System;
using SshKms.Core.Audit;

namespace SshKms.Core.Sessions
{
    /// <summary>Where a session records how each host's run ended, and under whose name.</summary>
    internal sealed class SessionAuditTrail
    {
        private readonly AuditJournal _journal;
        private readonly string _operator;
        private readonly string _credential;

        public SessionAuditTrail(AuditJournal journal, string operatorIdentity, string credential)
        {
            _journal = journal ?? throw new ArgumentNullException(nameof(journal));
            _operator = operatorIdentity;
            _credential = credential;
        }

        /// <summary>
        /// Appends one session.ended event. The session has already run, so a journal that cannot be written does
        /// not throw its result away: it becomes the host's error, or is added to the error the host already has.
        /// </summary>
        public void Record(SshSessionResult result, string program, int? port, string? command)
        {
            AuditEvent e = new AuditEvent(AuditEvent.SessionEnded, _operator)
                .With("program", program)
                .With("credential", _credential)
                .With("host", result.HostName)
                .With("port", port)
                .With("user", result.Principal)
                .With("command", command)
                .With("certificateSerial", result.CertificateSerial)
                .With("keyId", result.KeyId)
                .With("exitCode", result.ExitCode)
                .With("errorId", result.ErrorId)
                .With("durationMs", (long)result.Duration.TotalMilliseconds);
            try
            {
                _journal.Append(e);
            }
            catch (SshKmsException ex) when (result.ErrorId == null)
            {
                result.ErrorId = ex.ErrorId;
                result.ErrorMessage = ex.Message;
            }
            catch (SshKmsException ex)
            {
                result.ErrorMessage += " Also: " + ex.Message;
            }
        }
    }
}
