using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Keys;
using SshKms.Core.Sessions;

namespace SshKms.PowerShell.Sessions
{
    /// <summary>
    /// Runs a command (or an interactive shell) on hosts with a key generated in memory and a short-lived
    /// certificate, served to the system ssh by an in-process agent. Nothing is written to disk.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "SshKmsSession", SupportsShouldProcess = true)]
    [OutputType(typeof(SshSessionResult))]
    public sealed class InvokeSshKmsSessionCommand : SshKmsSessionCmdlet
    {
        private readonly List<SshTarget> _targets = new List<SshTarget>();

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("ComputerName", "Host")]
        [ValidateNotNullOrEmpty]
        public string[] HostName { get; set; } = Array.Empty<string>();

        [Parameter(Position = 1)]
        public string? Command { get; set; }

        [Parameter]
        [ValidateSet("EcdsaP256", "Ed25519")]
        public string? KeyType { get; set; }

        [Parameter]
        [ValidateRange(1, 1024)]
        public int? ThrottleLimit { get; set; }

        protected override void ProcessRecord()
        {
            // One bound record's hosts, for EndProcessing. -UserName and -Port bind by property name too: each piped object keeps its own.
            string action = Command == null ? "Open an interactive SSH session" : $"Run '{Command}' over SSH";
            foreach (string host in HostName)
            {
                if (ShouldProcess(host, action))
                {
                    _targets.Add(new SshTarget(host, UserName, Port));
                }
            }
        }

        protected override void EndProcessing()
        {
            if (_targets.Count == 0)
            {
                return;
            }

            // Workers report into the collection (results, and the default CA's creation); only this (the pipeline) thread writes to PowerShell.
            using (var finished = new BlockingCollection<object>())
            {
                Task<IReadOnlyList<SshSessionResult>> run;
                try
                {
                    OpenSessionOptions options = MapLogin(new OpenSessionOptions
                    {
                        Targets = _targets,
                        Command = Command,
                        KeyType = KeyType,
                        ThrottleLimit = ThrottleLimit,
                        OnResult = finished.Add,
                        OnKeyCreated = finished.Add,
                    });
                    run = Start(ct => OpenSessionOperation.RunAsync(options, ct));
                }
                catch (SshKmsException ex)
                {
                    ThrowSshKmsError(ex, null);
                    return;
                }

                run.ContinueWith(_ => finished.CompleteAdding(), TaskScheduler.Default);
                WriteAsTheyFinish(finished);
                try
                {
                    run.GetAwaiter().GetResult();
                }
                catch (SshKmsException ex)
                {
                    ThrowSshKmsError(ex, SecretId ?? CaKey);
                }
                finally
                {
                    FlushVerbose();
                }
            }
        }

        private void WriteAsTheyFinish(BlockingCollection<object> finished)
        {
            ProgressRecord progress = new ProgressRecord(1, "Invoke-SshKmsSession", $"0 of {_targets.Count} hosts done");
            int done = 0;
            foreach (object item in finished.GetConsumingEnumerable())
            {
                FlushVerbose();
                if (item is KeyCreated created)
                {
                    WriteWarning(created.Message);
                    continue;
                }

                var result = (SshSessionResult)item;
                done++;

                // A record per update: hosts that keep progress records (runspaces, logs) see each state, not the last one N times.
                progress = new ProgressRecord(1, "Invoke-SshKmsSession", $"{done} of {_targets.Count} hosts done")
                {
                    PercentComplete = done * 100 / _targets.Count,
                    CurrentOperation = result.HostName,
                };
                WriteProgress(progress);
                WriteObject(result);
                SshKmsException? error = result.ToException();
                if (error != null)
                {
                    WriteSshKmsError(error, result.HostName);
                }
            }

            WriteProgress(new ProgressRecord(1, "Invoke-SshKmsSession", progress.StatusDescription) { RecordType = ProgressRecordType.Completed });
        }
    }
}
