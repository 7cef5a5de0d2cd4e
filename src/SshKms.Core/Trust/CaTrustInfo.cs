using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SshKms.Core.OpenSsh;

namespace SshKms.Core.Trust
{
    /// <summary>One CA line of our TrustedUserCAKeys file.</summary>
    public sealed class TrustedCaKey
    {
        internal TrustedCaKey(string keyUri, string keyType, string fingerprint, string line)
        {
            KeyUri = keyUri;
            KeyType = keyType;
            Fingerprint = fingerprint;
            Line = line;
        }

        /// <summary>The CA key URI trust wrote as the line's comment ("" for a line someone else added).</summary>
        public string KeyUri { get; }

        public string KeyType { get; }

        public string Fingerprint { get; }

        internal string Line { get; }

        internal SshPublicKey? PublicKey { get; set; }
    }

    /// <summary>The certificate principals one login user accepts.</summary>
    public sealed class TrustedPrincipals
    {
        internal TrustedPrincipals(string user, IReadOnlyList<string> principals)
        {
            User = user;
            Principals = principals;
        }

        public string User { get; }

        public IReadOnlyList<string> Principals { get; }
    }

    /// <summary>What trust has installed in one sshd configuration: `trust show` / Get-SshCaTrust.</summary>
    public sealed class CaTrustInfo
    {
        internal CaTrustInfo(string sshdConfig, string placement, string? directivesFile, IReadOnlyList<TrustedCaKey> caKeys,
            IReadOnlyList<TrustedPrincipals> principals, string? revokedKeys, IReadOnlyList<string> hostCertificates)
        {
            SshdConfig = sshdConfig;
            Placement = placement;
            DirectivesFile = directivesFile;
            CaKeys = caKeys;
            Principals = principals;
            RevokedKeys = revokedKeys;
            HostCertificates = hostCertificates;
        }

        public string Node { get; internal set; } = "localhost";

        public string SshdConfig { get; }

        /// <summary>DropIn, Include, or None when trust is not installed.</summary>
        public string Placement { get; }

        /// <summary>The file with our directives (the drop-in or sshkms/sshkms.conf); null when not installed.</summary>
        public string? DirectivesFile { get; }

        public IReadOnlyList<TrustedCaKey> CaKeys { get; }

        public IReadOnlyList<TrustedPrincipals> Principals { get; }

        /// <summary>The installed RevokedKeys file; null when none.</summary>
        public string? RevokedKeys { get; }

        /// <summary>The HostCertificate files our directives name.</summary>
        public IReadOnlyList<string> HostCertificates { get; }

        /// <summary>Reads what trust installed; nothing installed is Placement None, not an error.</summary>
        internal static CaTrustInfo Read(TrustLayout layout)
        {
            string main = layout.ReadMain();
            string? conf = layout.InstalledConf(main);
            if (conf == null)
            {
                return new CaTrustInfo(layout.MainConfig, "None", null, new TrustedCaKey[0], new TrustedPrincipals[0], null, new string[0]);
            }

            var directives = SshdConfigText.Lines(File.ReadAllText(conf)).Select(SshdConfigText.Split).Where(kv => kv != null).Select(kv => kv!.Value).ToList();
            var principals = new List<TrustedPrincipals>();
            if (directives.Any(d => d.Keyword == "AuthorizedPrincipalsFile") && Directory.Exists(layout.PrincipalsDir))
            {
                principals.AddRange(Directory.GetFiles(layout.PrincipalsDir).OrderBy(f => f, StringComparer.Ordinal)
                    .Select(f => new TrustedPrincipals(Path.GetFileName(f), SshdConfigText.Lines(File.ReadAllText(f)).Where(l => l.Trim().Length > 0).ToList())));
            }

            return new CaTrustInfo(layout.MainConfig, conf == layout.DropIn ? "DropIn" : "Include", conf, ReadCaKeys(layout.CaKeysFile), principals,
                directives.Where(d => d.Keyword == "RevokedKeys").Select(d => d.Value).FirstOrDefault(),
                directives.Where(d => d.Keyword == "HostCertificate").Select(d => d.Value).ToList());
        }

        internal static List<TrustedCaKey> ReadCaKeys(string path)
        {
            var keys = new List<TrustedCaKey>();
            if (!File.Exists(path))
            {
                return keys;
            }

            foreach (string line in SshdConfigText.Lines(File.ReadAllText(path)).Where(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith("#", StringComparison.Ordinal)))
            {
                try
                {
                    SshPublicKey key = SshPublicKey.Parse(line.Trim());
                    keys.Add(new TrustedCaKey(key.Comment, key.KeyType, key.Fingerprint, line) { PublicKey = key });
                }
                catch (SshFormatException)
                {
                    keys.Add(new TrustedCaKey(string.Empty, "unreadable", string.Empty, line));
                }
            }

            return keys;
        }
    }
}
