using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Audit;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Authority
{
    /// <summary>What to certify and how. Give exactly one key source: PublicKeyPath, PublicKey, PublicKeyStream or NewKeyPairPath.</summary>
    public sealed class IssueCertificateOptions
    {
        /// <summary>The CA key URI; null: $SSHKMS_CA, then local:default.</summary>
        public string? CaKey { get; set; }

        /// <summary>Create a missing local: CA key (local:default is created without it, with a warning).</summary>
        public bool CreateCaKey { get; set; }

        /// <summary>A public key file; the certificate goes to &lt;key&gt;-cert.pub beside it unless CertificatePath is given.</summary>
        public string? PublicKeyPath { get; set; }

        /// <summary>An OpenSSH public key line.</summary>
        public string? PublicKey { get; set; }

        /// <summary>A stream holding one OpenSSH public key line (standard input); read to its end, not disposed.</summary>
        public Stream? PublicKeyStream { get; set; }

        /// <summary>
        /// Make a fresh Ed25519 key pair instead: the private key goes here (owner-only, never overwritten), the
        /// public key to PATH.pub, the certificate to PATH-cert.pub.
        /// </summary>
        public string? NewKeyPairPath { get; set; }

        /// <summary>Where to write the certificate; null: beside the key file, or no file for a key line or stream.</summary>
        public string? CertificatePath { get; set; }

        public SshCertificateType Type { get; set; } = SshCertificateType.User;

        public string[]? Principals { get; set; }

        public bool AnyPrincipal { get; set; }

        public TimeSpan? Validity { get; set; }

        public DateTimeOffset? ValidFrom { get; set; }

        public DateTimeOffset? ValidTo { get; set; }

        public TimeSpan? Backdate { get; set; }

        /// <summary>Key id template ({principal}, {principals}, {serial}, {caller}, {time}, {fingerprint}).</summary>
        public string? KeyId { get; set; }

        public ulong? Serial { get; set; }

        /// <summary>null: ssh-keygen's default extensions for user certificates.</summary>
        public string[]? Extensions { get; set; }

        public bool NoExtensions { get; set; }

        public string? ForceCommand { get; set; }

        public string? SourceAddress { get; set; }

        public bool VerifyRequired { get; set; }

        /// <summary>Critical options as text: "force-command=CMD", "source-address=CIDRS", "verify-required"; each at most once.</summary>
        public string[]? CriticalOptions { get; set; }

        public bool RsaSha256 { get; set; }

        /// <summary>The rules every certificate is held to.</summary>
        public CertificatePolicy Policy { get; set; } = CertificatePolicy.Default;

        /// <summary>The audit journal; null: $SSHKMS_HOME/audit.jsonl.</summary>
        public string? JournalPath { get; set; }

        public AwsSettings Aws { get; set; } = new AwsSettings();
    }

    /// <summary>A certificate just issued, and the files written for it.</summary>
    public sealed class IssuedCertificate
    {
        internal IssuedCertificate(SshCertificate certificate, string? certificatePath, string? privateKeyPath, KeyCreated? createdCaKey)
        {
            Certificate = certificate;
            CertificatePath = certificatePath;
            PrivateKeyPath = privateKeyPath;
            CreatedCaKey = createdCaKey;
        }

        public SshCertificate Certificate { get; }

        /// <summary>The full path of the -cert.pub file written; null when none was.</summary>
        public string? CertificatePath { get; }

        /// <summary>The full path of the private key made for a new key pair; null otherwise.</summary>
        public string? PrivateKeyPath { get; }

        /// <summary>The local CA key made on use, for the caller's warning; null when it existed.</summary>
        public KeyCreated? CreatedCaKey { get; }
    }

    /// <summary>
    /// Issues one certificate: reads the key, shapes and checks the request, opens the CA, signs once, writes the files.
    /// <see cref="Prepare"/> does everything that needs no key and no KMS call, so a front end can ask for
    /// confirmation (what <see cref="Target"/> names) before <see cref="RunAsync(CancellationToken)"/> signs.
    /// </summary>
    public sealed class IssueCertificateOperation
    {
        private readonly IssueCertificateOptions _options;
        private readonly SshPublicKey? _key;
        private readonly CriticalOptionValues _critical;

        private IssueCertificateOperation(IssueCertificateOptions options, SshPublicKey? key, CriticalOptionValues critical, string? certificatePath)
        {
            _options = options;
            _key = key;
            _critical = critical;
            CertificatePath = certificatePath;
        }

        /// <summary>The certificate file this issue writes; null when the certificate is only returned.</summary>
        public string? CertificatePath { get; }

        /// <summary>What is about to be certified: the file written, else the key's type and fingerprint.</summary>
        public string Target => CertificatePath ?? (_key != null ? $"{_key.KeyType} {_key.Fingerprint}" : _options.NewKeyPairPath!);

        public static Task<IssuedCertificate> RunAsync(IssueCertificateOptions options, CancellationToken cancellationToken) =>
            Prepare(options).RunAsync(cancellationToken);

        /// <summary>Reads the public key and checks the options; nothing is signed or written.</summary>
        public static IssueCertificateOperation Prepare(IssueCertificateOptions options)
        {
            if (options == null)
            {
                throw new ArgumentNullException(nameof(options));
            }

            int sources = Count(options.PublicKeyPath) + Count(options.PublicKey) + (options.PublicKeyStream != null ? 1 : 0) + Count(options.NewKeyPairPath);
            if (sources != 1)
            {
                throw new SshKmsException("CertificateKeySourceInvalid", SshKmsErrorCategory.InvalidArgument,
                    "Give exactly one key to certify: a public key file, a public key line, or a path for a new key pair.");
            }

            CriticalOptionValues critical = ParseCriticalOptions(options);
            SshPublicKey? key = options.NewKeyPairPath != null ? null : ReadKey(options);
            string? keyFile = options.PublicKeyPath ?? options.NewKeyPairPath;
            string? certificatePath = options.CertificatePath ?? (keyFile != null ? CertificatePaths.CertificatePathFor(keyFile) : null);
            return new IssueCertificateOperation(options, key, critical, certificatePath == null ? null : Path.GetFullPath(certificatePath));
        }

        /// <summary>Checks every output can be written, opens the CA, issues, then writes the files.</summary>
        public async Task<IssuedCertificate> RunAsync(CancellationToken cancellationToken)
        {
            string? privatePath = _options.NewKeyPairPath == null ? null : Path.GetFullPath(_options.NewKeyPairPath);
            if (privatePath != null)
            {
                CertificatePaths.EnsureWritable(privatePath, mustNotExist: true);
                CertificatePaths.EnsureWritable(privatePath + ".pub");
            }

            if (CertificatePath != null)
            {
                CertificatePaths.EnsureWritable(CertificatePath);
            }

            // Like `step ssh certificate`: a fresh key pair, the private half only in the file the user named.
            using (SshPrivateKey? generated = privatePath == null ? null : SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, Path.GetFileName(privatePath)))
            {
                CertificateRequest request = BuildRequest(generated?.PublicKey ?? _key!);
                CertificateAuthority ca = await CertificateAuthority.OpenAsync(KeyUri.ParseOrDefaultCa(_options.CaKey), _options.CreateCaKey,
                    _options.Policy, Journal(_options.JournalPath), _options.Aws, cancellationToken).ConfigureAwait(false);
                SshCertificate certificate = await ca.IssueAsync(request, cancellationToken).ConfigureAwait(false);
                if (generated != null)
                {
                    OwnerOnly.WriteAllText(privatePath!, generated.ToOpenSshFormat());
                    CertificatePaths.WritePublicFile(privatePath + ".pub", generated.PublicKey.ToString());
                }

                if (CertificatePath != null)
                {
                    CertificatePaths.WriteCertificate(CertificatePath, certificate);
                }

                return new IssuedCertificate(certificate, CertificatePath, privatePath, ca.CreatedKey);
            }
        }

        internal static AuditJournal Journal(string? path) => path == null ? AuditJournal.Default() : new AuditJournal(path);

        private static int Count(string? value) => value != null ? 1 : 0;

        private static SshPublicKey ReadKey(IssueCertificateOptions o)
        {
            if (o.PublicKeyPath != null)
            {
                return SshPublicKey.Parse(InputFiles.ReadAllText(o.PublicKeyPath,
                    () => new SshKmsException("PublicKeyFileNotFound", SshKmsErrorCategory.ObjectNotFound, $"No public key file at {o.PublicKeyPath}.")));
            }

            if (o.PublicKeyStream != null)
            {
                using (var reader = new StreamReader(o.PublicKeyStream, new UTF8Encoding(false), false, 4096, leaveOpen: true))
                {
                    return SshPublicKey.Parse(reader.ReadToEnd());
                }
            }

            return SshPublicKey.Parse(o.PublicKey!);
        }

        private CertificateRequest BuildRequest(SshPublicKey key)
        {
            var request = new CertificateRequest(key)
            {
                Type = _options.Type,
                AnyPrincipal = _options.AnyPrincipal,
                Validity = _options.Validity,
                ValidFrom = _options.ValidFrom,
                ValidTo = _options.ValidTo,
                Backdate = _options.Backdate ?? TimeSpan.Zero,
                KeyIdTemplate = _options.KeyId,
                Serial = _options.Serial,
                Extensions = _options.Extensions,
                NoExtensions = _options.NoExtensions,
                ForceCommand = _critical.ForceCommand,
                SourceAddress = _critical.SourceAddress,
                VerifyRequired = _critical.VerifyRequired,
                RsaSha256 = _options.RsaSha256,
            };
            foreach (string p in _options.Principals ?? Array.Empty<string>())
            {
                request.Principals.Add(p);
            }

            return request;
        }

        /// <summary>The explicit critical options, with the textual ones read on top.</summary>
        private static CriticalOptionValues ParseCriticalOptions(IssueCertificateOptions o)
        {
            var values = new CriticalOptionValues { ForceCommand = o.ForceCommand, SourceAddress = o.SourceAddress, VerifyRequired = o.VerifyRequired };
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (string option in o.CriticalOptions ?? Array.Empty<string>())
            {
                int eq = option.IndexOf('=');
                string name = eq < 0 ? option : option.Substring(0, eq);
                string? value = eq < 0 ? null : option.Substring(eq + 1);
                if (!seen.Add(name))
                {
                    // A certificate carries each critical option once (sshd refuses two); keeping only the last would drop a restriction silently.
                    throw new SshKmsException("CertificateOptionRepeated", SshKmsErrorCategory.InvalidArgument,
                        $"The critical option {CertificatePolicy.Printable(name)} was given more than once; give each critical option once (source-address takes a comma-separated list).");
                }

                switch (name)
                {
                    case "force-command" when value != null: values.ForceCommand = value; break;
                    case "source-address" when value != null: values.SourceAddress = value; break;
                    case "verify-required" when value == null: values.VerifyRequired = true; break;
                    default:
                        throw new SshKmsException("CertificateOptionInvalid", SshKmsErrorCategory.InvalidArgument,
                            $"Unknown critical option '{CertificatePolicy.Printable(option)}': use force-command=CMD, source-address=CIDRS or verify-required.");
                }
            }

            return values;
        }

        private sealed class CriticalOptionValues
        {
            public string? ForceCommand;
            public string? SourceAddress;
            public bool VerifyRequired;
        }
    }
}
