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
            if (MyInvocation.ExpectingInput && PublicKeyPath != null && IsCertificateFile(PublicKeyPath))
            {
                // `Get-ChildItem ~/.ssh/*.pub | New-SshKmsCertificate` run again also lists the certificates it wrote.
                WriteVerbose($"Skipping {PublicKeyPath}: it is a certificate, not a public key.");
                return;
            }

            try
            {
                string? keyPath = PublicKeyPath == null ? null : GetUnresolvedProviderPathFromPSPath(PublicKeyPath);
                string? outFile = OutFile == null ? null : GetUnresolvedProviderPathFromPSPath(OutFile);
                SshCertificate? cert = Issue(
                    () => _ca ??= Await(ct => CertificateAuthority.OpenAsync(KeyUri.ParseOrDefaultCa(CaKey), Aws, ct)),
                    keyPath, outFile, what => ShouldProcess(what, "Issue SSH certificate"));
                if (cert != null)
                {
                    WriteObject(cert);
                    if (MyInvocation.ExpectingInput)
                    {
                        WriteItemProgress("New-SshKmsCertificate", $"Issued serial {cert.Serial} for {keyPath ?? cert.Key.Fingerprint}");
                    }
                }
            }
            catch (SshKmsException ex)
            {
                WriteSshKmsError(ex, target);
            }
        }

        /// <summary>
        /// The work, without PowerShell: read the key, ask <paramref name="shouldProcess"/> (-WhatIf, -Confirm) before
        /// anything is signed, check the file can be written, issue, write. Null when declined.
        /// </summary>
        internal SshCertificate? Issue(Func<CertificateAuthority> ca, string? keyPath, string? outFile, Func<string, bool> shouldProcess)
        {
            // A FileInfo piped in may bind to -PublicKey (object, by value) rather than -PublicKeyPath: treat it as the path.
            keyPath ??= (Unwrap(PublicKey) as FileInfo)?.FullName;
            SshPublicKey key = keyPath != null ? ReadKeyFile(keyPath) : ToPublicKey(PublicKey);
            CertificateRequest request = BuildRequest(key);
            string? destination = outFile ?? (keyPath != null ? CertificatePaths.CertificatePathFor(keyPath) : null);
            if (!shouldProcess(destination ?? $"{key.KeyType} {key.Fingerprint}"))
            {
                return null;
            }

            if (destination != null)
            {
                CertificatePaths.EnsureWritable(destination);
            }

            CertificateAuthority authority = ca();
            SshCertificate cert = Await(ct => authority.IssueAsync(request, ct));
            if (destination != null)
            {
                CertificatePaths.WriteCertificate(destination, cert);
            }

            return cert;
        }

        internal static bool IsCertificateFile(string path) => path.EndsWith("-cert.pub", StringComparison.OrdinalIgnoreCase);

        internal CertificateRequest BuildRequest(SshPublicKey key)
        {
            var request = new CertificateRequest(key)
            {
                Type = CertificateType,
                AnyPrincipal = AnyPrincipalSet,
                Validity = Validity == null ? (TimeSpan?)null : ParameterValues.Duration(Validity),
                ValidFrom = ValidFrom,
                ValidTo = ValidTo,
                Backdate = Backdate == null ? TimeSpan.Zero : ParameterValues.Duration(Backdate),
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

        /// <summary>A key line, an SshPublicKey, or any object with a PublicKey property holding one (Get-SshKmsKeyPair's output, a pscustomobject).</summary>
        private static SshPublicKey ToPublicKey(object? value)
        {
            object? inner = Unwrap(value);
            switch (inner)
            {
                case SshPublicKey key: return key;
                case string line: return SshPublicKey.Parse(line);
            }

            object? property = value is PSObject ps && ps.BaseObject is PSCustomObject
                ? ps.Properties["PublicKey"]?.Value
                : inner?.GetType().GetProperty("PublicKey")?.GetValue(inner);
            return property != null && (Unwrap(property) is string || Unwrap(property) is SshPublicKey)
                ? ToPublicKey(property)
                : throw new SshKmsException("PublicKeyInvalid", SshKmsErrorCategory.InvalidArgument,
                    "-PublicKey takes an OpenSSH public key line, an SshPublicKey, or an object with a PublicKey property holding one.");
        }
    }
}
