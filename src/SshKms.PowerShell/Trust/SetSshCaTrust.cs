using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using SshKms.Core;
using SshKms.Core.Sessions;
using SshKms.Core.Trust;

namespace SshKms.PowerShell.Trust
{
    /// <summary>
    /// Installs CA trust in a server's sshd configuration (the Server set), or the client's @cert-authority line in
    /// known_hosts (the KnownHosts set). -WhatIf prints the diff of every file and writes nothing.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "SshCaTrust", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ServerSet)]
    [OutputType(typeof(CaTrustResult), ParameterSetName = new[] { ServerSet })]
    [OutputType(typeof(KnownHostsTrustResult), ParameterSetName = new[] { KnownHostsSet })]
    public sealed class SetSshCaTrust : SshKmsAwsCmdlet
    {
        private const string ServerSet = "Server";
        private const string KnownHostsSet = "KnownHosts";

        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("KeyUri")]
        [ArgumentCompleter(typeof(Completion.CaKeyCompleter))]
        public string[] CaKey { get; set; } = new string[0];

        [Parameter(ParameterSetName = ServerSet)]
        public string? SshdConfigPath { get; set; }

        [Parameter(ParameterSetName = ServerSet)]
        public string[]? Principal { get; set; }

        [Parameter(ParameterSetName = ServerSet)]
        public string? RevokedKeysPath { get; set; }

        [Parameter(ParameterSetName = ServerSet)]
        public SwitchParameter HostCertificate { get; set; }

        [Parameter(ParameterSetName = ServerSet)]
        public string[]? HostPrincipal { get; set; }

        [Parameter(ParameterSetName = ServerSet)]
        public string? HostCaKey { get; set; }

        [Parameter(ParameterSetName = ServerSet)]
        public SwitchParameter NoReload { get; set; }

        [Parameter(ParameterSetName = ServerSet)]
        public string? SshdPath { get; set; }

        /// <summary>[USER@]HOST[:PORT] nodes reached over SSH, each running the same node-side work.</summary>
        [Parameter(ParameterSetName = ServerSet)]
        public string[]? Node { get; set; }

        /// <summary>KEY=VALUE: the running EC2 instances with this tag, reached by SSM Run Command.</summary>
        [Parameter(ParameterSetName = ServerSet)]
        public string? SsmTag { get; set; }

        [Parameter(ParameterSetName = ServerSet)]
        public string[]? InstanceId { get; set; }

        /// <summary>SSH nodes: the CA that certifies the session key that logs in (not a CA to trust).</summary>
        [Parameter(ParameterSetName = ServerSet)]
        [ArgumentCompleter(typeof(Completion.CaKeyCompleter))]
        public string? LoginCaKey { get; set; }

        [Parameter(ParameterSetName = ServerSet)]
        [ValidateNotNullOrEmpty]
        public string? SecretId { get; set; }

        [Parameter(ParameterSetName = ServerSet)]
        [Alias("User")]
        public string? UserName { get; set; }

        [Parameter(ParameterSetName = ServerSet)]
        [ValidateRange(1, 65535)]
        public int? Port { get; set; }

        [Parameter(ParameterSetName = ServerSet)]
        public SwitchParameter AcceptNewHostKey { get; set; }

        [Parameter(ParameterSetName = ServerSet)]
        public Hashtable? SshOption { get; set; }

        [Parameter(ParameterSetName = ServerSet)]
        public string? ConfigFile { get; set; }

        /// <summary>SSH nodes: Auto, OpenSsh or Managed, the SSH client that logs in (a name Core parses, so a bad one is the CLI's error id).</summary>
        [Parameter(ParameterSetName = ServerSet)]
        [ArgumentCompleter(typeof(Completion.TransportCompleter))]
        public string? Transport { get; set; }

        /// <summary>SSH nodes: a KRL or a file of public keys; a node presenting one of them is refused.</summary>
        [Parameter(ParameterSetName = ServerSet)]
        [ValidateNotNullOrEmpty]
        public string? RevokedHostKeys { get; set; }

        [Parameter(ParameterSetName = ServerSet)]
        [ValidateRange(1, 1000)]
        public int? ThrottleLimit { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = KnownHostsSet)]
        public string HostPattern { get; set; } = string.Empty;

        [Parameter(ParameterSetName = KnownHostsSet)]
        public string? KnownHostsPath { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                if (ParameterSetName == KnownHostsSet)
                {
                    SetKnownHosts();
                    return;
                }

                var options = new SetCaTrustOptions
                {
                    CaKeys = CaKey,
                    SshdConfig = SshdConfigPath,
                    Principals = Principal ?? new string[0],
                    RevokedKeys = RevokedKeysPath,
                    HostCertificate = HostCertificate.IsPresent,
                    HostPrincipals = HostPrincipal ?? new string[0],
                    HostCaKey = HostCaKey,
                    NoReload = NoReload.IsPresent,
                    SshdPath = SshdPath,
                    Nodes = Node ?? new string[0],
                    SsmTag = SsmTag,
                    InstanceIds = InstanceId ?? new string[0],
                    LoginCaKey = LoginCaKey,
                    SecretId = SecretId,
                    UserName = UserName,
                    Port = Port,
                    AcceptNewHostKey = AcceptNewHostKey.IsPresent,
                    SshOptions = new List<KeyValuePair<string, string>>(ParameterValues.SshOptions(SshOption)),
                    SshConfigFile = ConfigFile,
                    RevokedHostKeys = RevokedHostKeys == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(RevokedHostKeys),
                    Transport = SshTransportNames.Parse(Transport),
                    Parallel = ThrottleLimit,
                    Aws = Aws,
                };
                if (options.IsRemote)
                {
                    SetOnNodes(options);
                    return;
                }

                SetCaTrustOperation plan = Await(ct => SetCaTrustOperation.PlanAsync(options, ct));
                CaTrustResult planned = plan.WhatIf();
                string description = $"Install CA trust in {plan.Target} ({planned.Placement})"
                    + (planned.HostCertificates.Any(h => h.NeedsIssue) ? $", issuing host certificates for {string.Join(", ", planned.HostCertificates.Where(h => h.NeedsIssue).Select(h => h.HostKey))}" : string.Empty)
                    + (planned.Changes.Count == 0 ? ": no file changes." : ":" + Environment.NewLine + planned.Diff);
                if (ShouldProcess(description, description, "Set-SshCaTrust"))
                {
                    WriteObject(Await(ct => plan.ApplyAsync(ct)));
                }
            }
            catch (SshKmsException ex)
            {
                WriteSshKmsError(ex, SshdConfigPath);
            }
        }

        /// <summary>One result per node; a failed node is a non-terminating TrustNodeFailed error and the others still report.</summary>
        private void SetOnNodes(SetCaTrustOptions options)
        {
            string nodes = options.Nodes.Length > 0 ? string.Join(", ", options.Nodes)
                : options.SsmTag != null ? "the instances tagged " + options.SsmTag : string.Join(", ", options.InstanceIds);
            string description = $"Install CA trust in {options.SshdConfig ?? "/etc/ssh/sshd_config"} on {nodes}";
            if (!ShouldProcess(description, description, "Set-SshCaTrust"))
            {
                return;
            }

            foreach (CaTrustResult r in Await(ct => SetCaTrustOperation.RunOnNodesAsync(options, false, ct)))
            {
                if (r.ToException() is SshKmsException failed)
                {
                    WriteSshKmsError(failed, r.Node);
                }
                else
                {
                    WriteObject(r);
                }
            }
        }

        private void SetKnownHosts()
        {
            foreach (string ca in CaKey)
            {
                var options = new KnownHostsTrustOptions { CaKey = ca, HostPattern = HostPattern, KnownHosts = KnownHostsPath, Aws = Aws };
                KnownHostsTrustResult planned = Await(ct => KnownHostsTrustOperation.RunAsync(options, true, ct));
                if (planned.Status == "Unchanged")
                {
                    WriteObject(planned);
                }
                else if (ShouldProcess($"Add to {planned.KnownHosts}: {planned.Line}", planned.Line, "Set-SshCaTrust"))
                {
                    WriteObject(Await(ct => KnownHostsTrustOperation.RunAsync(options, false, ct)));
                }
            }
        }
    }
}
