using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;
using SshKms.Core.Revocation;
using SshKms.Core.Sessions;

namespace SshKms.Core.Trust
{
    /// <summary>What `trust set` / Set-SshCaTrust installs on one server's sshd configuration.</summary>
    public sealed class SetCaTrustOptions
    {
        /// <summary>The CA key URIs whose user certificates sshd accepts (the current and the next CA during a CA rotation).</summary>
        public string[] CaKeys { get; set; } = new string[0];

        /// <summary>The main sshd_config; default: /etc/ssh/sshd_config (%ProgramData%\ssh\sshd_config on Windows).</summary>
        public string? SshdConfig { get; set; }

        /// <summary>USER=NAME[,NAME]: the certificate principals each login user accepts (an AuthorizedPrincipalsFile per user).</summary>
        public string[] Principals { get; set; } = new string[0];

        /// <summary>A KRL (or revoked-keys list) to install as RevokedKeys. Once installed it stays until trust is removed.</summary>
        public string? RevokedKeys { get; set; }

        /// <summary>Certify every HostKey the configuration names with the host CA and add HostCertificate lines.</summary>
        public bool HostCertificate { get; set; }

        /// <summary>More host certificate principals besides the host name and its FQDN.</summary>
        public string[] HostPrincipals { get; set; } = new string[0];

        /// <summary>The CA that signs host certificates; default: the first of <see cref="CaKeys"/>.</summary>
        public string? HostCaKey { get; set; }

        /// <summary>Host certificate validity; default: the policy's (30 days).</summary>
        public TimeSpan? HostCertificateValidity { get; set; }

        /// <summary>Do not reload sshd even when its configuration changed.</summary>
        public bool NoReload { get; set; }

        /// <summary>The sshd binary; default: sshd on PATH, else /usr/sbin/sshd.</summary>
        public string? SshdPath { get; set; }

        /// <summary>Remote: [USER@]HOST[:PORT] nodes reached over SSH, each running the same node-side work.</summary>
        public string[] Nodes { get; set; } = new string[0];

        /// <summary>Remote: the running EC2 instances carrying this KEY=VALUE tag, reached by SSM Run Command.</summary>
        public string? SsmTag { get; set; }

        /// <summary>Remote: these instance ids, reached by SSM Run Command.</summary>
        public string[] InstanceIds { get; set; } = new string[0];

        /// <summary>SSH nodes: the login user where a node names none; null: what ssh would use.</summary>
        public string? UserName { get; set; }

        /// <summary>SSH nodes: the port where a node names none.</summary>
        public int? Port { get; set; }

        /// <summary>SSH nodes: the CA key URI that certifies the session key that logs in (not a CA to trust); null: local:default.</summary>
        public string? LoginCaKey { get; set; }

        /// <summary>SSH nodes: log in with the key pair stored in this Secrets Manager secret instead of a session certificate.</summary>
        public string? SecretId { get; set; }

        /// <summary>SSH nodes: trust a host key not known yet (a changed one is still refused).</summary>
        public bool AcceptNewHostKey { get; set; }

        /// <summary>SSH nodes: passed to ssh as -o KEY=VALUE.</summary>
        public IList<KeyValuePair<string, string>> SshOptions { get; set; } = new List<KeyValuePair<string, string>>();

        /// <summary>SSH nodes: an ssh_config file instead of the user's.</summary>
        public string? SshConfigFile { get; set; }

        /// <summary>SSH nodes: a file of revoked host keys (a KRL or public keys): a node presenting one is refused.</summary>
        public string? RevokedHostKeys { get; set; }

        /// <summary>SSH nodes: which SSH client logs in; Auto: the system ssh when it is on PATH, else the in-process one.</summary>
        public SshTransportKind Transport { get; set; } = SshTransportKind.Auto;

        /// <summary>Remote: nodes worked on at once.</summary>
        public int? Parallel { get; set; }

        /// <summary>Whether trust goes to remote nodes (SSH or SSM) rather than this machine.</summary>
        public bool IsRemote => (Nodes?.Length ?? 0) > 0 || SsmTag != null || (InstanceIds?.Length ?? 0) > 0;

        public AwsSettings Aws { get; set; } = new AwsSettings();
    }

    /// <summary>The outcome of installing (or removing) trust on one server.</summary>
    public sealed class CaTrustResult
    {
        internal CaTrustResult(string sshdConfig, string status, string placement, IReadOnlyList<TrustFileChange> changes, string reload,
            IReadOnlyList<string> caFingerprints, IReadOnlyList<HostCertificateStatus> hostCertificates)
        {
            SshdConfig = sshdConfig;
            Status = status;
            Placement = placement;
            Changes = changes;
            Reload = reload;
            CaFingerprints = caFingerprints;
            HostCertificates = hostCertificates;
        }

        /// <summary>Where it ran: "localhost", or the node a remote run reached.</summary>
        public string Node { get; internal set; } = "localhost";

        public string SshdConfig { get; }

        /// <summary>Changed, Unchanged, WhatIf (nothing written), or Failed (a remote node; see <see cref="ErrorId"/>).</summary>
        public string Status { get; }

        /// <summary>DropIn (sshd_config.d/00-sshkms.conf) or Include (one marked line at the top of the main file); None after removal.</summary>
        public string Placement { get; }

        public IReadOnlyList<TrustFileChange> Changes { get; }

        /// <summary>How sshd was told: "systemd unit ssh reloaded", "SIGHUP to sshd pid N", or why not.</summary>
        public string Reload { get; }

        public IReadOnlyList<string> CaFingerprints { get; }

        public IReadOnlyList<HostCertificateStatus> HostCertificates { get; }

        /// <summary>Every change as one diff, for -WhatIf and --dry-run.</summary>
        public string Diff => string.Concat(Changes.Select(c => c.Diff));

        /// <summary>The files written or removed: a remote node reports only their paths (its <see cref="Changes"/> stay empty).</summary>
        public IReadOnlyList<string> ChangedFiles => _changedFiles ?? Changes.Select(c => c.Path).ToList();

        /// <summary>TrustNodeFailed when a remote node failed (the only id a result carries); null otherwise.</summary>
        public string? ErrorId { get; internal set; }

        /// <summary>Why the node failed, with the node's own error id (e.g. TrustKeywordConflict); null otherwise.</summary>
        public string? Error { get; internal set; }

        private IReadOnlyList<string>? _changedFiles;

        /// <summary>A failed node's error, for a front end that reports it as an error; null when the node succeeded.</summary>
        public SshKmsException? ToException() =>
            ErrorId == null ? null : new SshKmsException("TrustNodeFailed", SshKmsErrorCategory.InvalidOperation, Error ?? "Trust was not set on " + Node);

        internal static CaTrustResult FromNode(string node, string sshdConfig, string status, string placement, string reload,
            IReadOnlyList<string> changedFiles, IReadOnlyList<string> caFingerprints) =>
            new CaTrustResult(sshdConfig, status, placement, new TrustFileChange[0], reload, caFingerprints, new HostCertificateStatus[0])
            {
                Node = node,
                _changedFiles = changedFiles,
            };
    }

    /// <summary>
    /// Installs CA trust in a local sshd configuration: CA keys, principals files and KRL in our folder beside it,
    /// the directives where sshd takes them first, the whole candidate validated by `sshd -t` before anything is
    /// replaced, the effective values confirmed by `sshd -T` after (rolled back if not ours), and sshd reloaded only
    /// when the files it reads at start changed.
    /// </summary>
    public sealed class SetCaTrustOperation
    {
        private static readonly string[] AlwaysOwned = { "TrustedUserCAKeys" };

        private readonly SetCaTrustOptions _options;
        private readonly TrustLayout _layout;
        private readonly SshdProgram _sshd;
        private readonly List<TrustFileChange> _changes = new List<TrustFileChange>();
        private List<HostCertificateStatus> _hostCertificates = new List<HostCertificateStatus>();
        private List<string> _fingerprints = new List<string>();
        private string _placement = "DropIn";
        private bool _hasPrincipals;
        private bool _hasRevokedKeys;
        private KeyUri? _hostCa;

        private SetCaTrustOperation(SetCaTrustOptions options, TrustLayout layout, SshdProgram sshd)
        {
            _options = options;
            _layout = layout;
            _sshd = sshd;
        }

        /// <summary>Plans, validates, applies, confirms and reloads.</summary>
        public static async Task<CaTrustResult> RunAsync(SetCaTrustOptions options, CancellationToken cancellationToken)
        {
            SetCaTrustOperation op = await PlanAsync(options, cancellationToken).ConfigureAwait(false);
            return await op.ApplyAsync(cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// Installs trust on every remote node (<see cref="SetCaTrustOptions.IsRemote"/>) and returns one result per node;
        /// a node that fails is a result with ErrorId TrustNodeFailed, and the others go on. With
        /// <paramref name="dryRun"/> each node reports WhatIf or Unchanged and writes nothing.
        /// </summary>
        public static Task<IReadOnlyList<CaTrustResult>> RunOnNodesAsync(SetCaTrustOptions options, bool dryRun, CancellationToken cancellationToken) =>
            RemoteCaTrust.RunAsync(options ?? throw new ArgumentNullException(nameof(options)), dryRun, cancellationToken);

        /// <summary>
        /// Works out every change and validates the candidate with `sshd -t`, writing nothing where sshd looks (only a
        /// candidate copy in the temp folder); opens the CA keys' public halves but signs nothing.
        /// </summary>
        public static async Task<SetCaTrustOperation> PlanAsync(SetCaTrustOptions options, CancellationToken cancellationToken)
        {
            if (options == null)
            {
                throw new ArgumentNullException(nameof(options));
            }

            if (options.CaKeys == null || options.CaKeys.Length == 0 || options.CaKeys.Any(string.IsNullOrWhiteSpace))
            {
                throw new SshKmsException("TrustCaKeyMissing", SshKmsErrorCategory.InvalidArgument, "Name at least one CA key whose certificates sshd should accept.");
            }

            Dictionary<string, List<string>> principals = ParsePrincipals(options.Principals ?? new string[0]);
            var op = new SetCaTrustOperation(options, TrustLayout.For(options.SshdConfig), SshdProgram.Find(options.SshdPath));
            await op.PlanChangesAsync(principals, cancellationToken).ConfigureAwait(false);
            return op;
        }

        /// <summary>What Apply will write; empty when everything is already in place.</summary>
        public IReadOnlyList<TrustFileChange> Changes => _changes;

        /// <summary>The planned changes as a result that writes nothing: what -WhatIf and --dry-run show.</summary>
        public CaTrustResult WhatIf() => new CaTrustResult(_layout.MainConfig, _changes.Count == 0 && !_hostCertificates.Any(h => h.NeedsIssue) ? "Unchanged" : "WhatIf",
            _placement, _changes.ToList(), "Skipped (nothing written)", _fingerprints, _hostCertificates);

        /// <summary>A one-line summary for ShouldProcess prompts.</summary>
        public string Target => _layout.MainConfig;

        /// <summary>Issues due host certificates, swaps the files in with backups, confirms with `sshd -T`, then reloads if needed.</summary>
        public async Task<CaTrustResult> ApplyAsync(CancellationToken cancellationToken)
        {
            if (_hostCa != null)
            {
                // Certificates go before the configuration that names them: sshd silently ignores a missing HostCertificate.
                _changes.InsertRange(0, await HostCertificates.IssueAsync(_hostCertificates, _hostCa, _options.HostCertificateValidity, _options.Aws, cancellationToken)
                    .ConfigureAwait(false));
            }

            if (_changes.Count == 0)
            {
                return new CaTrustResult(_layout.MainConfig, "Unchanged", _placement, _changes, "Not needed", _fingerprints, _hostCertificates);
            }

            var swap = new FileSwap(_layout.BackupDir);
            swap.Apply(_changes);
            OperationLog.Report($"Wrote {string.Join(", ", _changes.Select(c => c.Path))}");
            try
            {
                await ConfirmAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (SshKmsException)
            {
                swap.Rollback();
                throw;
            }

            string reload = _changes.Any(c => c.IsConfiguration)
                ? _options.NoReload ? "Skipped (no reload asked)" : await SshdReload.ReloadAsync(_layout, _sshd, cancellationToken).ConfigureAwait(false)
                : "Not needed (sshd reads these files at each login)";
            return new CaTrustResult(_layout.MainConfig, "Changed", _placement, _changes, reload, _fingerprints, _hostCertificates);
        }

        private async Task PlanChangesAsync(Dictionary<string, List<string>> principals, CancellationToken cancellationToken)
        {
            List<(KeyUri Uri, SshPublicKey Key)> caKeys = await OpenCaKeysAsync(_options, cancellationToken).ConfigureAwait(false);
            var caLines = new StringBuilder();
            foreach (string line in CaLines(caKeys))
            {
                caLines.Append(line).Append('\n');
            }

            _fingerprints = caKeys.Select(k => k.Key.Fingerprint).ToList();
            Add(TrustFileChange.IfDifferent(_layout.CaKeysFile, caLines.ToString(), isConfiguration: false));

            // Principals: one file per login user; files for users no longer named go.
            _hasPrincipals = principals.Count > 0;
            foreach (KeyValuePair<string, List<string>> user in principals)
            {
                Add(TrustFileChange.IfDifferent(Path.Combine(_layout.PrincipalsDir, user.Key), TrustLayout.Text(user.Value), isConfiguration: false));
            }

            if (Directory.Exists(_layout.PrincipalsDir))
            {
                foreach (string stale in Directory.GetFiles(_layout.PrincipalsDir).Where(f => !principals.ContainsKey(Path.GetFileName(f))))
                {
                    Add(TrustFileChange.IfDifferent(stale, (byte[]?)null, isConfiguration: false));
                }
            }

            // The KRL: installed by copy; once there it stays (dropping it silently would un-revoke).
            if (!string.IsNullOrEmpty(_options.RevokedKeys))
            {
                Add(TrustFileChange.IfDifferent(_layout.RevokedKeysFile, SignedKrlOrPlain(_options.RevokedKeys!, caKeys), isConfiguration: false));
            }

            _hasRevokedKeys = !string.IsNullOrEmpty(_options.RevokedKeys) || File.Exists(_layout.RevokedKeysFile);

            string mainText = _layout.ReadMain();
            if (_options.HostCertificate)
            {
                string hostCaText = string.IsNullOrEmpty(_options.HostCaKey) ? _options.CaKeys[0] : _options.HostCaKey!;
                _hostCa = KeyUri.Parse(hostCaText);
                SshPublicKey hostCaKey = caKeys.FirstOrDefault(k => k.Uri.Equals(_hostCa)).Key
                    ?? (await SigningKeys.OpenAsync(_hostCa, _options.Aws, cancellationToken).ConfigureAwait(false)).PublicKey;
                Dictionary<string, List<string>> effective = await _sshd.EffectiveAsync(_layout.MainConfig, Environment.UserName, cancellationToken).ConfigureAwait(false);
                List<string> hostKeys = effective.TryGetValue("hostkey", out List<string>? keys) ? keys : new List<string>();
                _hostCertificates = HostCertificates.Review(hostKeys, hostCaKey, HostCertificates.Principals(_options.HostPrincipals), DateTimeOffset.UtcNow);
            }

            string conf = ConfText();
            string[] owned = OwnedKeywords().ToArray();
            string confPath;
            string newMain;
            if (_layout.HasOurInclude(mainText) || !_layout.DropInWins(mainText, owned))
            {
                _placement = "Include";
                confPath = _layout.IncludedConf;
                newMain = TrustLayout.Text(new[] { TrustLayout.IncludeMarker, _layout.IncludeLine }.Concat(_layout.MainWithoutOurInclude(mainText)));
                Add(TrustFileChange.IfDifferent(_layout.DropIn, (byte[]?)null, isConfiguration: true));
            }
            else
            {
                confPath = _layout.DropIn;
                newMain = mainText;
                Add(TrustFileChange.IfDifferent(_layout.IncludedConf, (byte[]?)null, isConfiguration: true));
            }

            Add(TrustFileChange.IfDifferent(confPath, conf, isConfiguration: true));
            Add(TrustFileChange.IfDifferent(_layout.MainConfig, newMain, isConfiguration: true));
            RefuseConflicts(newMain, confPath, conf, owned);
            await CandidateCheck.ValidateAsync(_sshd, _layout, newMain, confPath, conf, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>The CA keys named, each once, with their public halves (nothing is signed).</summary>
        internal static async Task<List<(KeyUri Uri, SshPublicKey Key)>> OpenCaKeysAsync(SetCaTrustOptions options, CancellationToken cancellationToken)
        {
            var caKeys = new List<(KeyUri Uri, SshPublicKey Key)>();
            foreach (string text in options.CaKeys.Distinct(StringComparer.Ordinal))
            {
                KeyUri uri = KeyUri.Parse(text);
                ISigningKey key = await SigningKeys.OpenAsync(uri, options.Aws, cancellationToken).ConfigureAwait(false);
                caKeys.Add((uri, key.PublicKey));
            }

            return caKeys;
        }

        /// <summary>The CA keys file: one line per CA, commented with its URI so that `trust remove --ca URI` finds it.</summary>
        internal static IEnumerable<string> CaLines(IEnumerable<(KeyUri Uri, SshPublicKey Key)> caKeys) =>
            caKeys.Select(k => k.Key.WithComment(k.Uri.ToString()).ToString());

        private IEnumerable<string> OwnedKeywords()
        {
            IEnumerable<string> owned = AlwaysOwned;
            if (_hasPrincipals)
            {
                owned = owned.Concat(new[] { "AuthorizedPrincipalsFile" });
            }

            return _hasRevokedKeys ? owned.Concat(new[] { "RevokedKeys" }) : owned;
        }

        private string ConfText()
        {
            var lines = new List<string> { TrustLayout.ConfHeader, "TrustedUserCAKeys " + _layout.CaKeysFile };
            if (_hasPrincipals)
            {
                lines.Add("AuthorizedPrincipalsFile " + _layout.PrincipalsPattern);
            }

            if (_hasRevokedKeys)
            {
                lines.Add("RevokedKeys " + _layout.RevokedKeysFile);
            }

            lines.AddRange(_hostCertificates.Select(h => "HostCertificate " + h.CertificatePath));
            return TrustLayout.Text(lines);
        }

        /// <summary>sshd takes each keyword's first value: one set by someone else in the global part would win or be shadowed. Either is an error.</summary>
        private void RefuseConflicts(string newMain, string confPath, string conf, string[] owned)
        {
            foreach (SshdDirective d in SshdConfigText.Walk(_layout.MainConfig, newMain, f => f == confPath ? conf : null))
            {
                if (!d.Conditional && d.File != confPath && owned.Contains(d.Keyword, StringComparer.OrdinalIgnoreCase))
                {
                    throw new SshKmsException("TrustKeywordConflict", SshKmsErrorCategory.ResourceExists,
                        $"{d.File} line {d.Line} already sets {d.Keyword} {d.Value}. sshd takes only the first value of {d.Keyword}, so trust would silently lose or override it; remove that line (or move it into a Match block) and run again.");
                }
            }
        }

        /// <summary>Confirms with `sshd -T`, for each login user named, that the effective values are the ones we installed.</summary>
        private async Task ConfirmAsync(CancellationToken cancellationToken)
        {
            IEnumerable<string> users = _options.Principals.Length > 0 ? ParsePrincipals(_options.Principals).Keys : new[] { Environment.UserName };
            foreach (string user in users)
            {
                Dictionary<string, List<string>> effective = await _sshd.EffectiveAsync(_layout.MainConfig, user, cancellationToken).ConfigureAwait(false);
                Expect(effective, "trustedusercakeys", _layout.CaKeysFile, user);
                if (_hasPrincipals)
                {
                    Expect(effective, "authorizedprincipalsfile", _layout.PrincipalsPattern, user);
                }

                if (_hasRevokedKeys)
                {
                    Expect(effective, "revokedkeys", _layout.RevokedKeysFile, user);
                }

                foreach (HostCertificateStatus h in _hostCertificates)
                {
                    if (!effective.TryGetValue("hostcertificate", out List<string>? certs) || !certs.Contains(h.CertificatePath))
                    {
                        throw NotEffective("HostCertificate", h.CertificatePath, "none", user);
                    }
                }
            }
        }

        private static void Expect(Dictionary<string, List<string>> effective, string keyword, string wanted, string user)
        {
            string actual = effective.TryGetValue(keyword, out List<string>? values) ? values[0] : "none";
            if (actual != wanted)
            {
                throw NotEffective(keyword, wanted, actual, user);
            }
        }

        private static SshKmsException NotEffective(string keyword, string wanted, string actual, string user) =>
            new SshKmsException("TrustNotEffective", SshKmsErrorCategory.InvalidOperation,
                $"After the change sshd's effective {keyword} for user {user} is '{actual}', not '{wanted}' (a Match block overrides it?); every file was put back.");

        private void Add(TrustFileChange? change) => TrustFileChange.AddTo(_changes, change);

        /// <summary>USER=NAME[,NAME] per entry; the user becomes a file name, the names lines of it.</summary>
        internal static Dictionary<string, List<string>> ParsePrincipals(IEnumerable<string> entries)
        {
            var map = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (string entry in entries)
            {
                int eq = entry?.IndexOf('=') ?? -1;
                string user = eq > 0 ? entry!.Substring(0, eq).Trim() : string.Empty;
                string[] names = eq > 0 ? entry!.Substring(eq + 1).Split(',').Select(n => n.Trim()).ToArray() : new string[0];
                if (user.Length == 0 || user == "." || user == ".." || user.IndexOfAny(new[] { '/', '\\', '%', ' ', '\t' }) >= 0
                    || names.Length == 0 || names.Any(n => n.Length == 0 || n.Any(char.IsWhiteSpace)))
                {
                    throw new SshKmsException("TrustPrincipalsInvalid", SshKmsErrorCategory.InvalidArgument,
                        $"'{entry}' is not a principals mapping: give USER=NAME[,NAME], e.g. deploy=alice,bob.");
                }

                if (!map.TryGetValue(user, out List<string>? list))
                {
                    map[user] = list = new List<string>();
                }

                list.AddRange(names.Where(n => !list.Contains(n)));
            }

            return map;
        }

        /// <summary>
        /// A KRL that comes with its detached signature (`KRL.sig`, as `sshkms revoke` writes it) is installed only if
        /// one of the CAs being trusted signed it and it is no older than the KRL installed now, so a tampered or
        /// replayed list cannot un-revoke a certificate. A KRL without a .sig (ssh-keygen -k) is installed as given.
        /// </summary>
        private byte[] SignedKrlOrPlain(string path, List<(KeyUri Uri, SshPublicKey Key)> caKeys)
        {
            byte[] krl = ReadKrl(path);
            string signaturePath = path + ".sig";
            if (!File.Exists(signaturePath))
            {
                return krl;
            }

            string signature = File.ReadAllText(signaturePath);
            byte[]? installed = File.Exists(_layout.RevokedKeysFile) ? File.ReadAllBytes(_layout.RevokedKeysFile) : null;
            if (installed != null && !KrlFormat.HasMagic(installed))
            {
                installed = null; // a plain list of revoked keys has no version to roll back from
            }

            SshKmsException? refused = null;
            foreach ((KeyUri _, SshPublicKey key) in caKeys)
            {
                try
                {
                    KrlInstallCheck.Verify(krl, signature, key, installed);
                    return krl;
                }
                catch (SshKmsException ex) when (ex.ErrorId == "KrlSignatureInvalid")
                {
                    refused = ex;
                }
            }

            throw refused!;
        }

        internal static byte[] ReadKrl(string path)
        {
            try
            {
                byte[] bytes = File.ReadAllBytes(Path.GetFullPath(path));
                if (bytes.Length == 0)
                {
                    throw new SshKmsException("TrustRevokedKeysInvalid", SshKmsErrorCategory.InvalidData,
                        $"{path} is empty; give a KRL (sshkms revoke, ssh-keygen -k) or a list of revoked public keys.");
                }

                return bytes;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new SshKmsException("FileReadFailed", SshKmsErrorCategory.ReadError, $"Could not read the revoked keys file {path}: {ex.Message}");
            }
        }
    }
}
