using System;
using System.Linq;
using System.Management.Automation;
using SshKms.Core;
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
                    Aws = Aws,
                };
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
