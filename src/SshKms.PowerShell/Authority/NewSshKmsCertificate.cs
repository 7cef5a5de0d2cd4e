using System;
using System.IO;
using System.Management.Automation;
using SshKms.Core;
using SshKms.Core.Authority;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;

namespace SshKms.PowerShell.Authority
{
    /// <summary>
    /// Signs an OpenSSH public key with the CA (one KMS Sign call per certificate) and writes &lt;key&gt;-cert.pub
    /// beside it, or -OutFile. Outputs the SshCertificate, whose ToString() is the OpenSSH line.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "SshKmsCertificate", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
    [OutputType(typeof(SshCertificate))]
    public sealed class NewSshKmsCertificate : SshKmsAwsCmdlet
    {
        private const string PathSet = "Path";
        private const string KeySet = "PublicKey";

        private CertificateAuthority? _ca;

        // Switches are stored as bool (the *Set properties) so tests can set them: PowerShellStandard's
        // SwitchParameter is a stub outside a real runspace.

        [Parameter(Position = 0)]
        [Alias("KeyId")]
        public string? CaKey { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName", "PSPath")]
        public string? PublicKeyPath { get; set; }

        /// <summary>A public key line or an SshPublicKey.</summary>
        [Parameter(Mandatory = true, ParameterSetName = KeySet, ValueFromPipeline = true)]
        public object? PublicKey { get; set; }

        [Parameter]
        public string[]? Principal { get; set; }

        [Parameter]
        public SshCertificateType CertificateType { get; set; } = SshCertificateType.User;

        /// <summary>A TimeSpan or "15m", "1h30m", "30d".</summary>
        [Parameter]
        public object? Validity { get; set; }

        [Parameter]
        public DateTimeOffset? ValidFrom { get; set; }

        [Parameter]
        public DateTimeOffset? ValidTo { get; set; }

        [Parameter]
        public object? Backdate { get; set; }

        [Parameter]
        public string? KeyId { get; set; }

        [Parameter]
        public ulong? Serial { get; set; }

        [Parameter]
        public string[]? Extension { get; set; }

        [Parameter]
        public SwitchParameter NoExtensions { get => NoExtensionsSet; set => NoExtensionsSet = value.IsPresent; }

        internal bool NoExtensionsSet { get; set; }

        [Parameter]
        public string? ForceCommand { get; set; }

        [Parameter]
        public string? SourceAddress { get; set; }

        [Parameter]
        public SwitchParameter VerifyRequired { get => VerifyRequiredSet; set => VerifyRequiredSet = value.IsPresent; }

        internal bool VerifyRequiredSet { get; set; }

        [Parameter]
        public SwitchParameter AnyPrincipal { get => AnyPrincipalSet; set => AnyPrincipalSet = value.IsPresent; }

        internal bool AnyPrincipalSet { get; set; }

        [Parameter]
        public SwitchParameter RsaSha256 { get => RsaSha256Set; set => RsaSha256Set = value.IsPresent; }

        internal bool RsaSha256Set { get; set; }

        [Parameter]
        public string? OutFile { get; set; }

        protected override void ProcessRecord()
        {
            object? target = PublicKeyPath ?? PublicKey;
            try
            {
                _ca ??= Await(ct => CertificateAuthority.OpenAsync(KeyUri.ParseOrDefaultCa(CaKey), Aws, ct));
                string? keyPath = PublicKeyPath == null ? null : GetUnresolvedProviderPathFromPSPath(PublicKeyPath);
                string? outFile = OutFile == null ? null : GetUnresolvedProviderPathFromPSPath(OutFile);
                SshCertificate cert = Issue(_ca, keyPath, outFile, path => ShouldProcess(path, "Write SSH certificate"));
                WriteObject(cert);
            }
            catch (SshKmsException ex)
            {
                WriteSshKmsError(ex, target);
            }
        }

        /// <summary>The work, without PowerShell: read the key, issue, write the file when <paramref name="shouldWrite"/> agrees.</summary>
        internal SshCertificate Issue(CertificateAuthority ca, string? keyPath, string? outFile, Func<string, bool> shouldWrite)
        {
            // A FileInfo piped in may bind to -PublicKey (object, by value) rather than -PublicKeyPath: treat it as the path.
            keyPath ??= (Unwrap(PublicKey) as FileInfo)?.FullName;
            SshPublicKey key = keyPath != null ? ReadKeyFile(keyPath) : ToPublicKey(PublicKey);
            SshCertificate cert = ca.IssueAsync(BuildRequest(key), StopToken).GetAwaiter().GetResult();
            string? destination = outFile ?? (keyPath != null ? CertificatePaths.CertificatePathFor(keyPath) : null);
            if (destination != null && shouldWrite(destination))
            {
                CertificatePaths.WriteCertificate(destination, cert);
            }

            return cert;
        }

        internal CertificateRequest BuildRequest(SshPublicKey key)
        {
            var request = new CertificateRequest(key)
            {
                Type = CertificateType,
                AnyPrincipal = AnyPrincipalSet,
                Validity = Validity == null ? (TimeSpan?)null : ToTimeSpan(Validity),
                ValidFrom = ValidFrom,
                ValidTo = ValidTo,
                Backdate = Backdate == null ? TimeSpan.Zero : ToTimeSpan(Backdate),
                KeyIdTemplate = KeyId,
                Serial = Serial,
                Extensions = Extension,
                NoExtensions = NoExtensionsSet,
                ForceCommand = ForceCommand,
                SourceAddress = SourceAddress,
                VerifyRequired = VerifyRequiredSet,
                RsaSha256 = RsaSha256Set,
            };
            foreach (string p in Principal ?? new string[0])
            {
                request.Principals.Add(p);
            }

            return request;
        }

        private static SshPublicKey ReadKeyFile(string path)
        {
            if (!File.Exists(path))
            {
                throw new SshKmsException("PublicKeyFileNotFound", SshKmsErrorCategory.ObjectNotFound, $"No public key file at {path}.");
            }

            return SshPublicKey.Parse(File.ReadAllText(path));
        }

        private static object? Unwrap(object? value) => value is PSObject ps ? ps.BaseObject : value;

        private static SshPublicKey ToPublicKey(object? value)
        {
            return Unwrap(value) switch
            {
                SshPublicKey key => key,
                string line => SshPublicKey.Parse(line),
                _ => throw new SshKmsException("PublicKeyInvalid", SshKmsErrorCategory.InvalidArgument, "-PublicKey takes an OpenSSH public key line or an SshPublicKey."),
            };
        }

        private static TimeSpan ToTimeSpan(object value)
        {
            object? inner = Unwrap(value);
            if (inner != null && !(inner is string) && !(inner is TimeSpan) && inner is IConvertible)
            {
                // Unquoted, PowerShell reads 30d as decimal 30 and 90s as short 90: the unit is lost before we see it.
                throw new SshKmsException("CertificateValidityInvalid", SshKmsErrorCategory.InvalidArgument,
                    $"PowerShell passed the number {inner} without its unit: quote the duration ('30d', '90s') or pass a TimeSpan.");
            }

            return inner is TimeSpan span ? span : ValidityParser.Parse(Convert.ToString(inner, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty);
        }
    }
}
