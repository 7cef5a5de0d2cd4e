using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Aws;
using SshKms.Core.Keys;

namespace SshKms.Core.Trust
{
    public sealed class RemoveCaTrustOptions
    {
        /// <summary>The CA key URI to stop trusting.</summary>
        public string? CaKey { get; set; }

        public string? SshdConfig { get; set; }

        public bool NoReload { get; set; }

        public string? SshdPath { get; set; }

        public AwsSettings Aws { get; set; } = new AwsSettings();
    }

    /// <summary>
    /// `trust remove` / Remove-SshCaTrust: drops one CA from our TrustedUserCAKeys file (no reload: sshd reads it at
    /// each login); removing the last CA removes everything trust installed, directives included, and reloads.
    /// </summary>
    public sealed class RemoveCaTrustOperation
    {
        private readonly RemoveCaTrustOptions _options;
        private readonly TrustLayout _layout;
        private readonly List<TrustFileChange> _changes;
        private readonly bool _removesAll;

        private RemoveCaTrustOperation(RemoveCaTrustOptions options, TrustLayout layout, List<TrustFileChange> changes, bool removesAll)
        {
            _options = options;
            _layout = layout;
            _changes = changes;
            _removesAll = removesAll;
        }

        public static async Task<CaTrustResult> RunAsync(RemoveCaTrustOptions options, CancellationToken cancellationToken)
        {
            RemoveCaTrustOperation op = await PlanAsync(options, cancellationToken).ConfigureAwait(false);
            return await op.ApplyAsync(cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Finds the CA (by the URI trust wrote beside it, else by its public key) and works out the changes; writes nothing.</summary>
        public static async Task<RemoveCaTrustOperation> PlanAsync(RemoveCaTrustOptions options, CancellationToken cancellationToken)
        {
            if (options == null)
            {
                throw new ArgumentNullException(nameof(options));
            }

            if (string.IsNullOrWhiteSpace(options.CaKey))
            {
                throw new SshKmsException("TrustCaKeyMissing", SshKmsErrorCategory.InvalidArgument, "Name the CA key to stop trusting.");
            }

            TrustLayout layout = TrustLayout.For(options.SshdConfig);
            KeyUri uri = KeyUri.Parse(options.CaKey!);
            CaTrustInfo info = CaTrustInfo.Read(layout);
            List<TrustedCaKey> keys = info.CaKeys.ToList();
            TrustedCaKey? match = keys.FirstOrDefault(k => k.KeyUri == uri.ToString());
            if (match == null && keys.Count > 0)
            {
                ISigningKey key = await SigningKeys.OpenAsync(uri, options.Aws, cancellationToken).ConfigureAwait(false);
                match = keys.FirstOrDefault(k => key.PublicKey.Equals(k.PublicKey));
            }

            if (match == null)
            {
                throw new SshKmsException("TrustCaNotTrusted", SshKmsErrorCategory.ObjectNotFound,
                    $"The CA key {uri} is not among the CAs trust installed in {layout.MainConfig}.");
            }

            keys.Remove(match);
            var changes = new List<TrustFileChange>();
            bool removesAll = keys.Count == 0;
            if (!removesAll)
            {
                TrustFileChange.AddTo(changes, TrustFileChange.IfDifferent(layout.CaKeysFile, TrustLayout.Text(keys.Select(k => k.Line)), isConfiguration: false));
            }
            else
            {
                // Directives first, then the files they name: sshd never points at a file that is gone.
                string main = layout.ReadMain();
                TrustFileChange.AddTo(changes, TrustFileChange.IfDifferent(layout.MainConfig, TrustLayout.Text(layout.MainWithoutOurInclude(main)), isConfiguration: true));
                TrustFileChange.AddTo(changes, TrustFileChange.IfDifferent(layout.DropIn, (byte[]?)null, isConfiguration: true));
                TrustFileChange.AddTo(changes, TrustFileChange.IfDifferent(layout.IncludedConf, (byte[]?)null, isConfiguration: true));
                TrustFileChange.AddTo(changes, TrustFileChange.IfDifferent(layout.CaKeysFile, (byte[]?)null, isConfiguration: false));
                TrustFileChange.AddTo(changes, TrustFileChange.IfDifferent(layout.RevokedKeysFile, (byte[]?)null, isConfiguration: false));
                foreach (string file in Directory.Exists(layout.PrincipalsDir) ? Directory.GetFiles(layout.PrincipalsDir) : new string[0])
                {
                    TrustFileChange.AddTo(changes, TrustFileChange.IfDifferent(file, (byte[]?)null, isConfiguration: false));
                }
            }

            return new RemoveCaTrustOperation(options, layout, changes, removesAll);
        }

        public IReadOnlyList<TrustFileChange> Changes => _changes;

        public string Target => _layout.MainConfig;

        /// <summary>Writes the changes; after removing the directives, `sshd -t` must still accept the configuration, else every file is put back.</summary>
        public async Task<CaTrustResult> ApplyAsync(CancellationToken cancellationToken)
        {
            var swap = new FileSwap(_layout.BackupDir);
            swap.Apply(_changes);
            string reload = "Not needed (sshd reads the CA keys file at each login)";
            if (_removesAll)
            {
                SshdProgram sshd = SshdProgram.Find(_options.SshdPath);
                string? invalid = await sshd.ValidateAsync(_layout.MainConfig, cancellationToken).ConfigureAwait(false);
                if (invalid != null)
                {
                    swap.Rollback();
                    throw new SshKmsException("TrustConfigInvalid", SshKmsErrorCategory.InvalidData,
                        $"sshd -t rejects the configuration without trust, so every file was put back: {invalid}");
                }

                reload = _options.NoReload ? "Skipped (no reload asked)" : await SshdReload.ReloadAsync(_layout, sshd, cancellationToken).ConfigureAwait(false);
            }

            CaTrustInfo after = CaTrustInfo.Read(_layout);
            return new CaTrustResult(_layout.MainConfig, _changes.Count == 0 ? "Unchanged" : "Changed", after.Placement, _changes, reload,
                after.CaKeys.Select(k => k.Fingerprint).ToList(), new HostCertificateStatus[0]);
        }
    }
}
