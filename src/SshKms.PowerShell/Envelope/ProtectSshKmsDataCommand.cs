using System;
using System.Collections;
using System.IO;
using System.Management.Automation;
using System.Security;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core;
using SshKms.Core.Envelope;
using SshKms.Core.Keys;

namespace SshKms.PowerShell.Envelope
{
    /// <summary>Encrypts data into an AWS Encryption SDK message under a KMS or local key.</summary>
    [Cmdlet(VerbsSecurity.Protect, "SshKmsData", DefaultParameterSetName = "String", SupportsShouldProcess = true)]
    [OutputType(typeof(byte[]), typeof(string), typeof(FileInfo))]
    public sealed class ProtectSshKmsDataCommand : SshKmsAwsCmdlet, IDisposable
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

        /// <summary>PowerShell disposes the cmdlet even when the pipeline stops early: the gathered plaintext is zeroed.</summary>
        public void Dispose() => _piped.Dispose();

        private void AddPiped(byte[]? record) => _piped.Add(record);

        private void Protect()
        {
            try
            {
                string? path = ResolvedPath();
                if (OutFile != null)
                {
                    string target = GetUnresolvedProviderPathFromPSPath(OutFile);
                    if (ShouldProcess(target, $"Write a message encrypted under {KeyId}"))
                    {
                        EnvelopeMessageInfo info = Await(ct => ProtectToFileAsync(path, target, ct));
                        WarnIfCreated(info);
                        WriteObject(new FileInfo(target));
                    }

                    return;
                }

                // -WhatIf: a local key may be made on use, so nothing is encrypted at all.
                if (!ShouldProcess(KeyId, "Encrypt"))
                {
                    return;
                }

                (byte[] message, EnvelopeMessageInfo made) = Await(ct => ProtectAsync(path, ct));
                WarnIfCreated(made);
                if (AsBase64)
                {
                    WriteObject(Convert.ToBase64String(message));
                }
                else
                {
                    WriteObject(message, enumerateCollection: false);
                }
            }
            catch (SshKmsException ex)
            {
                WriteSshKmsError(ex, KeyId);
            }
        }

        /// <summary>The message for the bound input, in memory.</summary>
        private async Task<(byte[] Message, EnvelopeMessageInfo Info)> ProtectAsync(string? resolvedPath, CancellationToken ct)
        {
            using (Stream input = OpenInput(resolvedPath))
            {
                var output = new MemoryStream();
                EnvelopeMessageInfo info = await EnvelopeCipher.EncryptAsync(input, output, Options(), ct).ConfigureAwait(false);
                return (output.ToArray(), info);
            }
        }

        private async Task<EnvelopeMessageInfo> ProtectToFileAsync(string? resolvedPath, string target, CancellationToken ct)
        {
            using (Stream input = OpenInput(resolvedPath))
            {
                return await EnvelopeCipher.EncryptToFileAsync(input, target, Options(), Force.IsPresent, ct).ConfigureAwait(false);
            }
        }

        private void WarnIfCreated(EnvelopeMessageInfo info)
        {
            if (info.CreatedKey != null)
            {
                WriteWarning(info.CreatedKey.Message);
            }
        }

        private EnvelopeEncryptOptions Options() => new EnvelopeEncryptOptions(KeyUri.Parse(KeyId))
        {
            Context = EnvelopeParameters.ToContext(EncryptionContext),
            Signed = Signed.IsPresent,
            CreateKey = Create.IsPresent,
            Aws = Aws,
        };

        private string? ResolvedPath() => Path == null ? null : GetUnresolvedProviderPathFromPSPath(Path);

        /// <summary>
        /// The input to encrypt. UTF-8 bytes made here from a string or SecureString, and piped bytes, are zeroed
        /// when the stream is disposed; -Bytes is the caller's array and stays as it is.
        /// </summary>
        private Stream OpenInput(string? resolvedPath)
        {
            if (_piped.Any)
            {
                return _piped.Open();
            }

            if (resolvedPath != null)
            {
                try
                {
                    return File.OpenRead(resolvedPath);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw new SshKmsException("FileReadFailed", SshKmsErrorCategory.ReadError, $"Could not read {resolvedPath}: {ex.Message}");
                }
            }

            if (Bytes != null)
            {
                return new MemoryStream(Bytes, writable: false);
            }

            return new PlaintextMemoryStream(SecureString != null ? ParameterValues.ToUtf8(SecureString) : new UTF8Encoding(false).GetBytes(String ?? string.Empty));
        }
    }
}
