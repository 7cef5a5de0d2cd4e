using System.Management.Automation;
using SshKms.Core;
using SshKms.Core.Authority;

namespace SshKms.PowerShell.Authority
{
    /// <summary>Reads any OpenSSH certificate (ours or ssh-keygen's) into a CertificateInfo.</summary>
    [Cmdlet(VerbsCommon.Get, "SshCertificate", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(CertificateInfo))]
    public sealed class GetSshCertificate : SshKmsCmdlet
    {
        private const string PathSet = "Path";
        private const string TextSet = "Certificate";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName", "PSPath")]
        public string[] Path { get; set; } = new string[0];

        [Parameter(Mandatory = true, ParameterSetName = TextSet, ValueFromPipeline = true)]
        public string[] Certificate { get; set; } = new string[0];

        protected override void ProcessRecord()
        {
            if (ParameterSetName == TextSet)
            {
                foreach (string text in Certificate)
                {
                    Emit(new ShowCertificateOptions { Certificate = text }, text);
                }

                return;
            }

            foreach (string path in Path)
            {
                Emit(new ShowCertificateOptions { Path = GetUnresolvedProviderPathFromPSPath(path) }, path);
            }
        }

        private void Emit(ShowCertificateOptions options, object target)
        {
            try
            {
                WriteObject(ShowCertificateOperation.Run(options));
            }
            catch (SshKmsException ex)
            {
                WriteSshKmsError(ex, target);
            }
        }
    }
}
