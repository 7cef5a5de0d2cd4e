using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core;
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

            try
            {
                SshSessionOptions options = BuildSessionOptions();
                options.Command = string.Empty;
                SshSession session = OpenSession(options);
                // scp runs in the process's directory, which Set-Location does not move: local operands are resolved here.
                string[] sources = Array.ConvertAll(Path, p => LocalOperand(p, GetUnresolvedProviderPathFromPSPath));
                string destination = LocalOperand(Destination, GetUnresolvedProviderPathFromPSPath);
                SshSessionResult result = Await(ct => session.CopyAsync(sources, destination, ct));
                WriteObject(result);
                SshKmsException? error = result.ToException();
                if (error != null)
                {
                    WriteSshKmsError(error, Destination);
                }
            }
            catch (SshKmsException ex)
            {
                WriteSshKmsError(ex, Destination);
            }
        }

        /// <summary>A local operand as a full path of the current PowerShell location; "[user@]host:path" as given.</summary>
        private static string LocalOperand(string operand, Func<string, string> resolve) =>
            SshSession.IsRemoteOperand(operand) ? operand : resolve(operand);
    }
}
