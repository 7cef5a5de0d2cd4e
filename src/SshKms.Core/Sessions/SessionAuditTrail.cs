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

        /// <summary>Fails with AuditJournalWriteFailed before ssh starts when the journal could not record how it ends.</summary>
        public void EnsureWritable() => _journal.EnsureWritable();

        /// <summary>
        /// A run cancelled while ssh ran (Ctrl+C, SIGTERM, a stopped pipeline): ssh was stopped, but the remote command
        /// may have run, so its end is recorded as exit 130 with the reason. The cancellation itself goes on.
        /// </summary>
        public void RecordCancelled(SshSessionResult result, string program, int? port, string? command, string reason)
        {
            result.ExitCode = 130;
            result.ErrorId = "SessionCancelled";
            result.ErrorMessage = "The session was cancelled (" + reason + ") and ssh was stopped.";
            Record(result, program, port, command, reason);
        }

        /// <summary>
        /// Appends one session.ended event. The session has already run, so a journal that cannot be written does
        /// not throw its result away: it becomes the host's error, or is added to the error the host already has.
        /// </summary>
        public void Record(SshSessionResult result, string program, int? port, string? command, string? cancelReason = null)
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
            if (cancelReason != null)
            {
                e.With("reason", cancelReason);
            }

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
                // When the journal already failed before ssh ran, that is the host's error: said once.
                if (result.ErrorId != ex.ErrorId)
                {
                    result.ErrorMessage += " Also: " + ex.Message;
                }
            }
        }
    }
}
