using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Rotation;
using SshKms.Core.Sessions;

namespace SshKms.PowerShell.Rotation
{
    /// <summary>Rotates a key-pair secret with the four-step protocol and distributes the public key to the nodes.</summary>
    [Cmdlet(VerbsLifecycle.Invoke, "SshKeyRotation", SupportsShouldProcess = true, DefaultParameterSetName = "Tag")]
    [OutputType(typeof(RotationStepResult))]
    public sealed class InvokeSshKeyRotationCommand : SshKmsAwsCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Name")]
        public string SecretId { get; set; } = string.Empty;

        /// <summary>[user@]host[:port] nodes reached over SSH.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "Ssh")]
        public string[] Node { get; set; } = new string[0];

        /// <summary>ssh option names to values for the SSH nodes, each passed as -o Name=Value.</summary>
        [Parameter(ParameterSetName = "Ssh")]
        public Hashtable? SshOption { get; set; }

        /// <summary>Trust an SSH node's host key that is not known yet; a changed key is still refused.</summary>
        [Parameter(ParameterSetName = "Ssh")]
        public SwitchParameter AcceptNewHostKey { get; set; }

        /// <summary>An ssh_config file instead of the user's.</summary>
        [Parameter(ParameterSetName = "Ssh")]
        public string? ConfigFile { get; set; }

        /// <summary>Auto, OpenSsh or Managed: which SSH client logs in to the nodes (a name Core parses, so a bad one is the CLI's error id).</summary>
        [Parameter(ParameterSetName = "Ssh")]
        [ArgumentCompleter(typeof(Completion.TransportCompleter))]
        public string? Transport { get; set; }

        /// <summary>A KRL or a file of public keys: a node presenting one of them is refused.</summary>
        [Parameter(ParameterSetName = "Ssh")]
        [ValidateNotNullOrEmpty]
        public string? RevokedHostKeys { get; set; }

        /// <summary>KEY=VALUE; the operation's default tag when no target is given.</summary>
        [Parameter(ParameterSetName = "Tag")]
        public string? TargetTag { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "Instance", ValueFromPipelineByPropertyName = true)]
        public string[] InstanceId { get; set; } = new string[0];

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("User")]
        public string? UserName { get; set; }

        /// <summary>The authorized_keys file on the nodes, as sshd's AuthorizedKeysFile writes it (%u user, %h home, %U uid, %%).</summary>
        [Parameter]
        public string? AuthorizedKeysFile { get; set; }

        /// <summary>The sshd_config the nodes' sshd runs with, asked (as root) which file sshd reads.</summary>
        [Parameter]
        public string? SshdConfigFile { get; set; }

        [Parameter]
        [ValidateRange(1, 1000)]
        public int? ThrottleLimit { get; set; }

        /// <summary>The new version's id; pass the one of an interrupted run to finish it. A new GUID when not given.</summary>
        [Parameter]
        public string? ClientRequestToken { get; set; }

        protected override void ProcessRecord()
        {
            if (!ShouldProcess(SecretId, $"Rotate the SSH key pair (token {ClientRequestToken ?? "new"}) and update authorized_keys on the nodes"))
            {
                return;
            }

            RotateKeyPairOptions options;
            try
            {
                options = Options();
            }
            catch (SshKmsException ex)
            {
                WriteSshKmsError(ex, SecretId);
                return;
            }

            var results = new BlockingCollection<RotationStepResult>();
            options.OnStep = results.Add;
            Task<IReadOnlyList<RotationStepResult>> work = Start(ct => RotateKeyPairOperation.RunAsync(options, ct));
            work.ContinueWith(_ => results.CompleteAdding(), TaskScheduler.Default);

            // Progress and output are written here, on the pipeline thread, as the steps report.
            string activity = "Rotating " + SecretId;
            foreach (RotationStepResult result in results.GetConsumingEnumerable())
            {
                // A record per update: hosts that keep progress records see each step, not the last one N times.
                var progress = new ProgressRecord(1, activity, $"{result.Step} {result.Node}".Trim()) { PercentComplete = (int)result.Step * 25 };
                FlushVerbose();
                WriteProgress(progress);
                WriteObject(result);
            }

            WriteProgress(new ProgressRecord(1, activity, "done") { RecordType = ProgressRecordType.Completed });
            try
            {
                work.GetAwaiter().GetResult();
            }
            catch (SshKmsException ex)
            {
                WriteSshKmsError(ex, SecretId);
            }
            finally
            {
                FlushVerbose();
            }
        }

        /// <summary>The parameters onto the operation's options, on the pipeline thread (paths resolve against the session's location).</summary>
        private RotateKeyPairOptions Options() =>
            new RotateKeyPairOptions
            {
                SecretId = SecretId,
                SshNodes = Node,
                InstanceIds = InstanceId,
                SsmTag = TargetTag,
                UserName = UserName,
                ClientRequestToken = ClientRequestToken,
                Parallel = ThrottleLimit,
                AcceptNewHostKey = AcceptNewHostKey.IsPresent,
                SshOptions = new List<KeyValuePair<string, string>>(ParameterValues.SshOptions(SshOption)),
                SshConfigFile = ConfigFile,
                RevokedHostKeys = RevokedHostKeys == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(RevokedHostKeys),
                Transport = SshTransportNames.Parse(Transport),
                AuthorizedKeysFile = AuthorizedKeysFile,
                SshdConfigFile = SshdConfigFile,
                Aws = Aws,
            };
    }
}
