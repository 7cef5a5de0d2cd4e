using System;
using System.Collections;
using System.IO;
using System.Linq;
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
    /// <summary>Decrypts an AWS Encryption SDK message (ours or any official SDK's) written under a KMS or local key.</summary>
    [Cmdlet(VerbsSecurity.Unprotect, "SshKmsData", DefaultParameterSetName = "Message", SupportsShouldProcess = true)]
    [OutputType(typeof(SecureString), typeof(string), typeof(byte[]), typeof(FileInfo))]
    public sealed class UnprotectSshKmsDataCommand : SshKmsAwsCmdlet, IDisposable
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
        public int MaxEncryptedDataKeys { get; set; } = EnvelopeDecryptOptions.DefaultMaxEncryptedDataKeys;

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

        public void Dispose() => _piped.Dispose();

        private void AddPiped(byte[]? record) => _piped.Add(record);

        private void Unprotect()
        {
            try
            {
                string? path = ResolvedPath();
                if (OutFile != null)
                {
                    string target = GetUnresolvedProviderPathFromPSPath(OutFile);
                    if (ShouldProcess(target, "Write decrypted plaintext"))
                    {
                        WriteObject(Await(ct => UnprotectToFileAsync(path, target, Force.IsPresent, ct)));
                    }

                    return;
                }

                byte[] plaintext = Await(ct => UnprotectAsync(path, ct));
                WriteObject(Shape(plaintext, AsPlainText.IsPresent, AsBytes.IsPresent), enumerateCollection: false);
            }
            catch (SshKmsException ex)
            {
                WriteSshKmsError(ex, Path ?? (object?)"message");
            }
        }

        /// <summary>The whole plaintext, returned only after every frame and the signature verified.</summary>
        private async Task<byte[]> UnprotectAsync(string? resolvedPath, CancellationToken ct)
        {
            // The output buffer is zeroed when disposed, success or not: only the returned copy holds the plaintext.
            using (Stream input = OpenInput(resolvedPath))
            using (var output = new PlaintextMemoryStream())
            {
                await EnvelopeCipher.DecryptAsync(input, output, Options(), ct).ConfigureAwait(false);
                return output.ToArray();
            }
        }

        private async Task<FileInfo> UnprotectToFileAsync(string? resolvedPath, string target, bool overwrite, CancellationToken ct)
        {
            using (Stream input = OpenInput(resolvedPath))
            {
                await EnvelopeCipher.DecryptToFileAsync(input, target, Options(), overwrite, ct).ConfigureAwait(false);
                return new FileInfo(target);
            }
        }

        /// <summary>SecureString by default; string with -AsPlainText; bytes with -AsBytes.</summary>
        private static object Shape(byte[] plaintext, bool asPlainText, bool asBytes)
        {
            if (asBytes)
            {
                return plaintext;
            }

            try
            {
                return asPlainText ? new UTF8Encoding(false).GetString(plaintext) : (object)ParameterValues.ToSecureString(plaintext);
            }
            finally
            {
                Array.Clear(plaintext, 0, plaintext.Length);
            }
        }

        private EnvelopeDecryptOptions Options() => new EnvelopeDecryptOptions
        {
            AllowedKeys = (KeyId ?? Array.Empty<string>()).Select(KeyUri.Parse).ToList(),
            ExpectedContext = EnvelopeParameters.ToContext(EncryptionContext),
            MaxEncryptedDataKeys = MaxEncryptedDataKeys,
            DiscoveryAccountIds = (DiscoveryAccountId ?? Array.Empty<string>()).ToList(),
            DiscoveryPartition = DiscoveryPartition,
            Aws = Aws,
        };

        private string? ResolvedPath() => Path == null ? null : GetUnresolvedProviderPathFromPSPath(Path);

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
                    return EnvelopeCipher.DetectBase64(File.OpenRead(resolvedPath));
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw new SshKmsException("FileReadFailed", SshKmsErrorCategory.ReadError, $"Could not read {resolvedPath}: {ex.Message}");
                }
            }

            if (Base64 != null)
            {
                // The decoder files and the CLI use: invalid text is EnvelopeBase64Invalid, and anything but
                // whitespace after the message is EnvelopeTrailingData, as with -Path.
                return new Base64InputStream(new MemoryStream(Encoding.ASCII.GetBytes(Base64), writable: false));
            }

            return new MemoryStream(Message ?? Array.Empty<byte>(), writable: false);
        }
    }
}
