using System;
using System.Linq;
using System.Management.Automation;
using SshKms.Core;
using SshKms.Core.Trust;

namespace SshKms.PowerShell.Trust
{
    /// <summary>Stops trusting one CA; removing the last one removes everything trust installed. -WhatIf prints the diff.</summary>
    [Cmdlet(VerbsCommon.Remove, "SshCaTrust", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(CaTrustResult))]
    public sealed class RemoveSshCaTrust : SshKmsAwsCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("KeyUri")]
        [ArgumentCompleter(typeof(Completion.CaKeyCompleter))]
        public string CaKey { get; set; } = string.Empty;

        [Parameter]
        public string? SshdConfigPath { get; set; }

        [Parameter]
        public SwitchParameter NoReload { get; set; }

        [Parameter]
        public string? SshdPath { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                var options = new RemoveCaTrustOptions { CaKey = CaKey, SshdConfig = SshdConfigPath, NoReload = NoReload.IsPresent, SshdPath = SshdPath, Aws = Aws };
                RemoveCaTrustOperation plan = Await(ct => RemoveCaTrustOperation.PlanAsync(options, ct));
                string description = $"Stop trusting {CaKey} in {plan.Target}:" + Environment.NewLine + string.Concat(plan.Changes.Select(c => c.Diff));
                if (ShouldProcess(description, description, "Remove-SshCaTrust"))
                {
                    WriteObject(Await(ct => plan.ApplyAsync(ct)));
                }
            }
            catch (SshKmsException ex)
            {
                WriteSshKmsError(ex, CaKey);
            }
        }
    }
}
