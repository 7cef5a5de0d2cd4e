using System;
using System.Collections;
using System.IO;
using System.Management.Automation;
using System.Security;
using SshKms.Core;
using SshKms.Core.Envelope;

namespace SshKms.PowerShell.Envelope
{
    /// <summary>Encrypts data into an AWS Encryption SDK message under a KMS or local key.</summary>
    [Cmdlet(VerbsSecurity.Protect, "SshKmsData", DefaultParameterSetName = "String", SupportsShouldProcess = true)]
    [OutputType(typeof(byte[]), typeof(string), typeof(FileInfo))]
    public sealed class ProtectSshKmsDataCommand : SshKmsAwsCmdlet
    {
        private readonly PipedBytes _piped = new PipedBytes();

        [Parameter(Mandatory = true, ParameterSetName = "String", ValueFromPipeline = true, Position = 0)]
        [AllowEmptyString]
        public string? String { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "SecureString", ValueFromPipeline = true)]
        public SecureString? SecureString { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "Bytes", ValueFromPipeline = true)]
        public byte[]? Bytes { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "Path", ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        public string? Path { get; set; }

        [Parameter(Mandatory = true)]
        [Alias("Key")]
        [ArgumentCompleter(typeof(Completion.DataKeyCompleter))]
        public string KeyId { get; set; } = string.Empty;

        [Parameter]
        public Hashtable? EncryptionContext { get; set; }

        /// <summary>Suite 0x0578: adds an ECDSA P-384 signature.</summary>
        [Parameter]
        public SwitchParameter Signed { get; set; }

        [Parameter]
        public SwitchParameter AsBase64 { get; set; }

        [Parameter]
        public string? OutFile { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Create a missing local: key (local:default is created without it, with a warning).</summary>
        [Parameter]
        public SwitchParameter Create { get; set; }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == "Bytes" && MyInvocation.ExpectingInput)
            {
                // Piped bytes arrive one record per byte: one message for all of them, in EndProcessing.
                AddPiped(Bytes);
                return;
            }

            Protect();
        }

        protected override void EndProcessing()
        {
            if (_piped.Any)
            {
                Protect();
            }
        }


        private void AddPiped(byte[]? record) => _piped.Add(record);

        private void Protect()
        {
            try
            {
                string? target = OutFile == null ? null : GetUnresolvedProviderPathFromPSPath(OutFile);
                // -WhatIf: a local key may be made on use, so nothing is encrypted at all.
                if (!(target != null ? ShouldProcess(target, $"Write a message encrypted under {KeyId}") : ShouldProcess(KeyId, "Encrypt")))
                {
                    return;
                }

                ProtectOptions options = Options(target);
                ProtectResult result = Await(ct => ProtectOperation.RunAsync(options, ct));
                if (result.CreatedKey != null)
                {
                    WriteWarning(result.CreatedKey.Message);
                }

                if (result.OutputPath != null)
                {
                    WriteObject(new FileInfo(result.OutputPath));
                }
                else if (AsBase64)
                {
                    WriteObject(Convert.ToBase64String(result.Message!));
                }
                else
                {
                    WriteObject(result.Message, enumerateCollection: false);
                }
            }
            catch (SshKmsException ex)
            {
                WriteSshKmsError(ex, KeyId);
            }
        }

        /// <summary>
        /// The bound input as the operation's: UTF-8 made here from a SecureString, and gathered piped bytes, are
        /// copies the operation zeroes; -Bytes is the caller's array and stays as it is.
        /// </summary>
        private ProtectOptions Options(string? target)
        {
            var options = new ProtectOptions
            {
                KeyId = KeyId,
                Context = EnvelopeParameters.ToContext(EncryptionContext),
                Signed = Signed.IsPresent,
                CreateKey = Create.IsPresent,
                OutputPath = target,
                Overwrite = Force.IsPresent,
                Aws = Aws,
            };
            if (_piped.Any)
            {
                options.Plaintext = _piped.ToArray();
                options.WipePlaintext = true;
            }
            else if (Path != null)
            {
                options.InputPath = GetUnresolvedProviderPathFromPSPath(Path);
            }
            else if (Bytes != null)
            {
                options.Plaintext = Bytes;
            }
            else if (SecureString != null)
            {
                options.Plaintext = ParameterValues.ToUtf8(SecureString);
                options.WipePlaintext = true;
            }
            else
            {
                options.Text = String ?? string.Empty;
            }

            return options;
        }
    }
}
