using System;
using System.Collections.Concurrent;
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
    /// called from another one), Ctrl+C / pipeline stop as cancellation, SshKmsException as ErrorRecord, and
    /// -Verbose: what Core reports through OperationLog (the key, each AWS call with its request id, each journal
    /// line) is queued by the worker threads and written here, on the pipeline thread.
    /// </summary>
    public abstract class SshKmsCmdlet : PSCmdlet
    {
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        private readonly ConcurrentQueue<string> _verbose = new ConcurrentQueue<string>();
        private bool? _verboseWanted;
        private string? _itemActivity;
        private int _items;

        protected CancellationToken StopToken => _stopping.Token;

        protected override void StopProcessing() => _stopping.Cancel();

        /// <summary>
        /// Blocks on Core work; exceptions come back unwrapped, a dependency version clash as AssemblyConflict; what
        /// Core reported is written as verbose.
        /// </summary>
        protected T Await<T>(Func<CancellationToken, Task<T>> work)
        {
            try
            {
                return Start(work).GetAwaiter().GetResult();
            }
            catch (FileLoadException ex)
            {
                ThrowTerminatingError(AssemblyConflict.ToErrorRecord(ex));
                throw;
            }
            finally
            {
                FlushVerbose();
            }
        }

        protected void Await(Func<CancellationToken, Task> work) => Await<bool>(async ct =>
        {
            await work(ct).ConfigureAwait(false);
            return true;
        });

        /// <summary>Starts Core work on the thread pool, its OperationLog reports queued for <see cref="FlushVerbose"/>.</summary>
        protected Task<T> Start<T>(Func<CancellationToken, Task<T>> work)
        {
            if (!VerboseWanted)
            {
                return Task.Run(() => work(_stopping.Token));
            }

            // The listener flows into the task started here, and only there.
            using (OperationLog.Listen(_verbose.Enqueue))
            {
                return Task.Run(() => work(_stopping.Token));
            }
        }

        /// <summary>Writes what Core reported so far; call on the pipeline thread only.</summary>
        protected void FlushVerbose()
        {
            while (_verbose.TryDequeue(out string? message))
            {
                WriteVerbose(message);
            }
        }

        /// <summary>
        /// One more piped input object done (a pipeline does not know its length: a count, no percentage).
        /// EndProcessing completes the bar.
        /// </summary>
        protected void WriteItemProgress(string activity, string item)
        {
            _items++;
            _itemActivity = activity;
            WriteProgress(new ProgressRecord(1, activity, $"{_items} done") { CurrentOperation = item });
        }

        protected override void EndProcessing()
        {
            if (_itemActivity != null)
            {
                WriteProgress(new ProgressRecord(1, _itemActivity, $"{_items} done") { RecordType = ProgressRecordType.Completed });
            }
        }

        /// <summary>-Verbose, or $VerbosePreference asks for verbose output; worth listening to Core only then.</summary>
        private bool VerboseWanted => _verboseWanted ??= AskVerbose();

        private bool AskVerbose()
        {
            if (CommandRuntime == null)
            {
                // Not in a pipeline: there is nowhere to write verbose output.
                return false;
            }

            if (MyInvocation.BoundParameters.TryGetValue("Verbose", out object? bound))
            {
                return bound is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(bound);
            }

            return GetVariableValue("VerbosePreference") is ActionPreference preference
                && preference != ActionPreference.SilentlyContinue && preference != ActionPreference.Ignore;
        }

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
        [ArgumentCompleter(typeof(Completion.ProfileNameCompleter))]
        public string? ProfileName { get; set; }

        [Parameter]
        [Alias("Endpoint")]
        public string? EndpointUrl { get; set; }

        internal AwsSettings Aws => new AwsSettings { Region = Region, ProfileName = ProfileName, EndpointUrl = EndpointUrl };
    }
}
