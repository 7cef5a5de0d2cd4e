using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using SshKms.Core;
using SshKms.Core.Keys;
using SshKms.Core.Sessions;

namespace SshKms.PowerShell.Sessions
{
    /// <summary>Copies files to or from a host with scp, authenticated like Invoke-SshKmsSession: in-memory key, short-lived certificate, in-process agent.</summary>
    [Cmdlet(VerbsCommon.Copy, "SshKmsItem", SupportsShouldProcess = true)]
    [OutputType(typeof(SshSessionResult))]
    public sealed class CopySshKmsItemCommand : SshKmsSessionCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        public string Destination { get; set; } = string.Empty;

        protected override void ProcessRecord()
        {
            if (!ShouldProcess(Destination, $"Copy {string.Join(", ", Path)}"))
            {
                return;
            }

            var created = new ConcurrentQueue<KeyCreated>();
            try
            {
                CopyFilesOptions options = MapLogin(new CopyFilesOptions
                {
                    // scp runs in the process's directory, which Set-Location does not move: local operands are resolved here.
                    Sources = Array.ConvertAll(Path, LocalOperand),
                    Destination = LocalOperand(Destination),
                    OnKeyCreated = created.Enqueue,
                });
                SshSessionResult result = Await(ct => CopyFilesOperation.RunAsync(options, ct));
                WarnCreated(created);
                WriteObject(result);
                SshKmsException? error = result.ToException();
                if (error != null)
                {
                    WriteSshKmsError(error, Destination);
                }
            }
            catch (SshKmsException ex)
            {
                WarnCreated(created);
                WriteSshKmsError(ex, Destination);
            }
        }

        private void WarnCreated(ConcurrentQueue<KeyCreated> created)
        {
            while (created.TryDequeue(out KeyCreated? key))
            {
                WriteWarning(key.Message);
            }
        }

        /// <summary>A local operand as a full path of the current PowerShell location; "[user@]host:path" as given.</summary>
        private string LocalOperand(string operand) =>
            SshSession.IsRemoteOperand(operand) ? operand : GetUnresolvedProviderPathFromPSPath(operand);
    }
}
