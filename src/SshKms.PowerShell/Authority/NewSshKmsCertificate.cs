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
    // No default parameter set: with one, PowerShell commits to it before pipeline binding, and a piped key line or
    // SshPublicKey never reaches -PublicKey (InputObjectNotBound).
    [Cmdlet(VerbsCommon.New, "SshKmsCertificate", SupportsShouldProcess = true)]
    [OutputType(typeof(SshCertificate))]
    public sealed class NewSshKmsCertificate : SshKmsAwsCmdlet
    {
        private const string PathSet = "Path";
        private const string KeySet = "PublicKey";

        [Parameter(Position = 0)]
        [ArgumentCompleter(typeof(Completion.CaKeyCompleter))]
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
        public SwitchParameter NoExtensions { get; set; }

        [Parameter]
        public string? ForceCommand { get; set; }

        [Parameter]
        public string? SourceAddress { get; set; }

        [Parameter]
        public SwitchParameter VerifyRequired { get; set; }

        [Parameter]
        public SwitchParameter AnyPrincipal { get; set; }

        [Parameter]
        public SwitchParameter RsaSha256 { get; set; }

        [Parameter]
        public string? OutFile { get; set; }

        /// <summary>Create a missing local: CA key (local:default is created without it, with a warning).</summary>
        [Parameter]
        public SwitchParameter Create { get; set; }

        protected override void ProcessRecord()
        {
            object? target = PublicKeyPath ?? PublicKey;
            // A piped FileInfo binds to -PublicKey (object, by value) before -PublicKeyPath (by property name): it is still the path.
            string? keyPath = PublicKeyPath != null ? GetUnresolvedProviderPathFromPSPath(PublicKeyPath) : (Unwrap(PublicKey) as FileInfo)?.FullName;
            if (MyInvocation.ExpectingInput && keyPath != null && IsCertificateFile(keyPath))
            {
                // `Get-ChildItem ~/.ssh/*.pub | New-SshKmsCertificate` run again also lists the certificates it wrote.
                WriteVerbose($"Skipping {keyPath}: it is a certificate, not a public key.");
                return;
            }

            try
            {
                // Reads the key and checks the options; -WhatIf and -Confirm are asked before the CA is opened or anything signed.
                IssueCertificateOperation issue = IssueCertificateOperation.Prepare(Options(keyPath));
                if (!ShouldProcess(issue.Target, "Issue SSH certificate"))
                {
                    return;
                }

                IssuedCertificate issued = Await(ct => issue.RunAsync(ct));
                if (issued.CreatedCaKey != null)
                {
                    WriteWarning(issued.CreatedCaKey.Message);
                }

                WriteObject(issued.Certificate);
                if (MyInvocation.ExpectingInput)
                {
                    WriteItemProgress("New-SshKmsCertificate", $"Issued serial {issued.Certificate.Serial} for {keyPath ?? issued.Certificate.Key.Fingerprint}");
                }
            }
            catch (SshKmsException ex)
            {
                WriteSshKmsError(ex, target);
            }
        }

        private static bool IsCertificateFile(string path) => path.EndsWith("-cert.pub", StringComparison.OrdinalIgnoreCase);

        private IssueCertificateOptions Options(string? keyPath) => new IssueCertificateOptions
        {
            CaKey = CaKey,
            CreateCaKey = Create.IsPresent,
            PublicKeyPath = keyPath,
            PublicKey = keyPath == null ? ToPublicKeyLine(PublicKey) : null,
            CertificatePath = OutFile == null ? null : GetUnresolvedProviderPathFromPSPath(OutFile),
            Type = CertificateType,
            Principals = Principal,
            AnyPrincipal = AnyPrincipal.IsPresent,
            Validity = Validity == null ? (TimeSpan?)null : ParameterValues.Duration(Validity),
            ValidFrom = ValidFrom,
            ValidTo = ValidTo,
            Backdate = Backdate == null ? (TimeSpan?)null : ParameterValues.Duration(Backdate),
            KeyId = KeyId,
            Serial = Serial,
            Extensions = Extension,
            NoExtensions = NoExtensions.IsPresent,
            ForceCommand = ForceCommand,
            SourceAddress = SourceAddress,
            VerifyRequired = VerifyRequired.IsPresent,
            RsaSha256 = RsaSha256.IsPresent,
            Aws = Aws,
        };

        private static object? Unwrap(object? value) => value is PSObject ps ? ps.BaseObject : value;

        /// <summary>A key line, an SshPublicKey, or any object with a PublicKey property holding one (Get-SshKmsKeyPair's output, a pscustomobject).</summary>
        private static string ToPublicKeyLine(object? value)
        {
            object? inner = Unwrap(value);
            switch (inner)
            {
                case SshPublicKey key: return key.ToString();
                case string line: return line;
            }

            object? property = value is PSObject ps && ps.BaseObject is PSCustomObject
                ? ps.Properties["PublicKey"]?.Value
                : inner?.GetType().GetProperty("PublicKey")?.GetValue(inner);
            return property != null && (Unwrap(property) is string || Unwrap(property) is SshPublicKey)
                ? ToPublicKeyLine(property)
                : throw new SshKmsException("PublicKeyInvalid", SshKmsErrorCategory.InvalidArgument,
                    "-PublicKey takes an OpenSSH public key line, an SshPublicKey, or an object with a PublicKey property holding one.");
        }
    }
}
