using System.Collections.Generic;
using System.Management.Automation;
using SshKms.Core;
using SshKms.Core.Revocation;

namespace SshKms.PowerShell.Revocation
{
    /// <summary>
    /// Adds serials, key ids, public keys and principals' certificates to the CA's KRL. Piped certificates
    /// (New-SshKmsCertificate, Get-SshCertificate) are collected and revoked in one change, one new krl_version.
    /// </summary>
    [Cmdlet(VerbsSecurity.Revoke, "SshKmsCertificate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(RevokeCertificateResult))]
    public sealed class RevokeSshKmsCertificate : SshKmsAwsCmdlet
    {
        private readonly List<string> _serials = new List<string>();

        [Parameter(Position = 0)]
        [Alias("KeyUri")]
        [ArgumentCompleter(typeof(Completion.CaKeyCompleter))]
        public string? CaKey { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string[]? Serial { get; set; }

        [Parameter]
        public string[]? KeyId { get; set; }

        [Parameter]
        public string[]? PublicKeyPath { get; set; }

        [Parameter]
        public string[]? Principal { get; set; }

        [Parameter]
        public string? KrlPath { get; set; }

        protected override void ProcessRecord()
        {
            if (Serial != null)
            {
                _serials.AddRange(Serial);
            }
        }

        protected override void EndProcessing()
        {
            var options = new RevokeCertificateOptions
            {
                CaKey = CaKey,
                Serials = _serials.ToArray(),
                KeyIds = KeyId,
                PublicKeyPaths = PublicKeyPath,
                Principals = Principal,
                KrlPath = KrlPath,
                Aws = Aws,
            };
            try
            {
                string target = string.IsNullOrWhiteSpace(KrlPath) ? KrlFiles.DefaultPath(CaKey) : GetUnresolvedProviderPathFromPSPath(KrlPath);
                options.KrlPath = target;
                options.PublicKeyPaths = PublicKeyPath == null ? null : System.Array.ConvertAll(PublicKeyPath, GetUnresolvedProviderPathFromPSPath);
                string what = string.Join(", ", Describe(options));
                if (ShouldProcess(target, $"Revoke {what}"))
                {
                    WriteObject(Await(ct => RevokeCertificateOperation.RunAsync(options, ct)));
                }
            }
            catch (SshKmsException ex)
            {
                ThrowSshKmsError(ex, KrlPath ?? CaKey);
            }

            base.EndProcessing();
        }

        private static IEnumerable<string> Describe(RevokeCertificateOptions o)
        {
            foreach (string s in o.Serials ?? new string[0])
            {
                yield return "serial " + s;
            }

            foreach (string s in o.KeyIds ?? new string[0])
            {
                yield return "key id " + s;
            }

            foreach (string s in o.PublicKeyPaths ?? new string[0])
            {
                yield return "key " + s;
            }

            foreach (string s in o.Principals ?? new string[0])
            {
                yield return "certificates of " + s;
            }
        }
    }
}
