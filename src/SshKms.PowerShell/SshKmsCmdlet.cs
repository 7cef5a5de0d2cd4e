using System;
using System.IO;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Aws;

namespace SshKms.PowerShell
{
    /// <summary>
    /// What every SshKms cmdlet shares: Core's async work run on the pipeline thread (so Write* is never
    /// called from another one), Ctrl+C / pipeline stop as cancellation, and SshKmsException as ErrorRecord.
    /// </summary>
    public abstract class SshKmsCmdlet : PSCmdlet
    {
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();

        protected CancellationToken StopToken => _stopping.Token;

        protected override void StopProcessing() => _stopping.Cancel();

        /// <summary>Blocks on Core work; exceptions come back unwrapped, a dependency version clash as AssemblyConflict.</summary>
        protected T Await<T>(Func<CancellationToken, Task<T>> work)
        {
            try
            {
                return Task.Run(() => work(_stopping.Token)).GetAwaiter().GetResult();
            }
            catch (FileLoadException ex)
            {
                ThrowTerminatingError(AssemblyConflict.ToErrorRecord(ex));
                throw;
            }
        }

        protected void Await(Func<CancellationToken, Task> work) =>
            Await<bool>(async ct =>
            {
                await work(ct).ConfigureAwait(false);
                return true;
            });

        /// <summary>Non-terminating: the failure of one input object; the pipeline goes on.</summary>
        protected void WriteSshKmsError(SshKmsException ex, object? target) => WriteError(ToErrorRecord(ex, target));

        /// <summary>Terminating: nothing more can be done.</summary>
        protected void ThrowSshKmsError(SshKmsException ex, object? target) => ThrowTerminatingError(ToErrorRecord(ex, target));

        internal static ErrorRecord ToErrorRecord(SshKmsException ex, object? target) =>
            new ErrorRecord(ex, ex.ErrorId, ToCategory(ex.Category), target);

        /// <summary>SshKmsErrorCategory mirrors ErrorCategory's names; NotInstalled has no twin and is ObjectNotFound there.</summary>
        internal static ErrorCategory ToCategory(SshKmsErrorCategory category) =>
            category == SshKmsErrorCategory.NotInstalled
                ? ErrorCategory.ObjectNotFound
                : Enum.TryParse(category.ToString(), out ErrorCategory mapped) ? mapped : ErrorCategory.NotSpecified;
    }

    /// <summary>Cmdlets that may reach AWS take its settings the way AWS Tools for PowerShell does.</summary>
    public abstract class SshKmsAwsCmdlet : SshKmsCmdlet
    {
        [Parameter]
        public string? Region { get; set; }

        [Parameter]
        [Alias("Profile")]
        public string? ProfileName { get; set; }

        [Parameter]
        [Alias("Endpoint")]
        public string? EndpointUrl { get; set; }

        internal AwsSettings Aws => new AwsSettings { Region = Region, ProfileName = ProfileName, EndpointUrl = EndpointUrl };
    }
}
