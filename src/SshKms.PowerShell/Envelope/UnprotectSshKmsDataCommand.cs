using System;
using System.Collections;
using System.IO;
using System.Management.Automation;
using System.Security;
using System.Text;
using SshKms.Core;
using SshKms.Core.Envelope;

namespace SshKms.PowerShell.Envelope
{
    /// <summary>Decrypts an AWS Encryption SDK message (ours or any official SDK's) written under a KMS or local key.</summary>
    [Cmdlet(VerbsSecurity.Unprotect, "SshKmsData", DefaultParameterSetName = "Message", SupportsShouldProcess = true)]
    [OutputType(typeof(SecureString), typeof(string), typeof(byte[]), typeof(FileInfo))]
    public sealed class UnprotectSshKmsDataCommand : SshKmsAwsCmdlet
    {
        private readonly PipedBytes _piped = new PipedBytes();

        [Parameter(Mandatory = true, ParameterSetName = "Message", ValueFromPipeline = true, Position = 0)]
        public byte[]? Message { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "Base64", ValueFromPipeline = true)]
        public string? Base64 { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "Path", ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        public string? Path { get; set; }

        /// <summary>Allow-list: only these keys may unwrap the data key.</summary>
        [Parameter]
        [Alias("Key")]
        [ArgumentCompleter(typeof(Completion.DataKeyCompleter))]
        public string[]? KeyId { get; set; }

        /// <summary>Pairs the message's encryption context must contain.</summary>
        [Parameter]
        public Hashtable? EncryptionContext { get; set; }

        [Parameter]
        public SwitchParameter AsPlainText { get; set; }

        [Parameter]
        public SwitchParameter AsBytes { get; set; }

        [Parameter]
        public string? OutFile { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Messages with more encrypted data keys are refused before any key is tried (default 10, as the Encryption SDKs recommend).</summary>
        [Parameter]
        public int MaxEncryptedDataKeys { get; set; } = UnprotectOperation.DefaultMaxEncryptedDataKeys;

        /// <summary>Without -KeyId: only KMS keys of these AWS accounts are asked to decrypt (the SDKs' discovery filter).</summary>
        [Parameter]
        public string[]? DiscoveryAccountId { get; set; }

        /// <summary>The discovery filter's partition (default aws).</summary>
        [Parameter]
        public string? DiscoveryPartition { get; set; }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == "Message" && MyInvocation.ExpectingInput)
            {
                // A piped message arrives one record per byte: decrypt them as one message, in EndProcessing.
                AddPiped(Message);
                return;
            }

            Unprotect();
        }

        protected override void EndProcessing()
        {
            if (_piped.Any)
            {
                Unprotect();
            }
        }


        private void AddPiped(byte[]? record) => _piped.Add(record);

        private void Unprotect()
        {
            try
            {
                string? target = OutFile == null ? null : GetUnresolvedProviderPathFromPSPath(OutFile);
                if (target != null && !ShouldProcess(target, "Write decrypted plaintext"))
                {
                    return;
                }

                UnprotectOptions options = Options(target);
                using (UnprotectResult result = Await(ct => UnprotectOperation.RunAsync(options, ct)))
                {
                    WriteObject(result.OutputPath != null ? new FileInfo(result.OutputPath) : Shape(result.Plaintext!), enumerateCollection: false);
                }
            }
            catch (SshKmsException ex)
            {
                WriteSshKmsError(ex, Path ?? (object?)"message");
            }
        }

        /// <summary>SecureString by default; string with -AsPlainText; a copy of the bytes with -AsBytes (the result zeroes its own).</summary>
        private object Shape(byte[] plaintext) =>
            AsBytes.IsPresent ? plaintext.Clone()
            : AsPlainText.IsPresent ? new UTF8Encoding(false).GetString(plaintext)
            : (object)ParameterValues.ToSecureString(plaintext);

        private UnprotectOptions Options(string? target) => new UnprotectOptions
        {
            AllowedKeys = KeyId,
            ExpectedContext = EnvelopeParameters.ToContext(EncryptionContext),
            MaxEncryptedDataKeys = MaxEncryptedDataKeys,
            DiscoveryAccountIds = DiscoveryAccountId,
            DiscoveryPartition = DiscoveryPartition,
            Message = _piped.Any ? _piped.ToArray() : Path == null && Base64 == null ? Message ?? Array.Empty<byte>() : null,
            InputPath = !_piped.Any && Path != null ? GetUnresolvedProviderPathFromPSPath(Path) : null,
            Base64 = _piped.Any ? null : Base64,
            OutputPath = target,
            Overwrite = Force.IsPresent,
            Aws = Aws,
        };
    }
}
