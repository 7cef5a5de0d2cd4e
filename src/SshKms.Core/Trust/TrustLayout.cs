using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;

namespace SshKms.Core.Trust
{
    /// <summary>
    /// Where trust keeps its files, all beside the configuration: a folder "sshkms" with the CA keys, the principals
    /// files and the KRL, and the directives either in the drop-in sshd_config.d/00-sshkms.conf or in sshkms/sshkms.conf
    /// behind one marked Include line at the top of the main file.
    /// </summary>
    internal sealed class TrustLayout
    {
        public const string IncludeMarker = "# sshkms: the next line is managed by 'sshkms trust' (Set-SshCaTrust); remove it with 'sshkms trust remove'.";
        public const string ConfHeader = "# Managed by sshkms trust (Set-SshCaTrust): this file is rewritten on each run.";

        private TrustLayout(string mainConfig)
        {
            MainConfig = mainConfig;
            ConfigDir = Path.GetDirectoryName(mainConfig) ?? "/";
            Folder = Path.Combine(ConfigDir, "sshkms");
        }

        public string MainConfig { get; }

        public string ConfigDir { get; }

        /// <summary>Our folder beside the configuration.</summary>
        public string Folder { get; }

        public string CaKeysFile => Path.Combine(Folder, "trusted_user_ca_keys");

        public string PrincipalsDir => Path.Combine(Folder, "principals");

        /// <summary>The AuthorizedPrincipalsFile value: sshd expands %u to the login user.</summary>
        public string PrincipalsPattern => Path.Combine(PrincipalsDir, "%u");

        public string RevokedKeysFile => Path.Combine(Folder, "revoked_keys");

        public string BackupDir => Path.Combine(Folder, "backup");

        public string DropIn => Path.Combine(ConfigDir, "sshd_config.d", "00-sshkms.conf");

        public string IncludedConf => Path.Combine(Folder, "sshkms.conf");

        public string IncludeLine => "Include " + IncludedConf;

        /// <summary>The platform's sshd_config when none is given.</summary>
        public static string DefaultConfigPath => RuntimeInformation.IsOSPlatform(OSPlatform.Windows)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "ssh", "sshd_config")
            : "/etc/ssh/sshd_config";

        /// <summary>The layout for an existing configuration file; a missing one is TrustConfigNotFound.</summary>
        public static TrustLayout For(string? sshdConfig)
        {
            string path = string.IsNullOrEmpty(sshdConfig) ? DefaultConfigPath : Path.GetFullPath(sshdConfig);
            if (!File.Exists(path))
            {
                throw new SshKmsException("TrustConfigNotFound", SshKmsErrorCategory.ObjectNotFound,
                    $"There is no sshd configuration at {path}; give the path of the sshd_config the server reads.");
            }

            return new TrustLayout(path);
        }

        public string ReadMain()
        {
            try
            {
                return File.ReadAllText(MainConfig);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new SshKmsException("FileReadFailed", SshKmsErrorCategory.ReadError, $"Could not read {MainConfig}: {ex.Message}");
            }
        }

        /// <summary>The main file's lines without our marked Include (and its marker).</summary>
        public List<string> MainWithoutOurInclude(string mainText)
        {
            var lines = SshdConfigText.Lines(mainText).ToList();
            for (int i = lines.Count - 1; i >= 0; i--)
            {
                if (lines[i].Trim() == IncludeLine)
                {
                    lines.RemoveAt(i);
                    if (i > 0 && lines[i - 1].Trim() == IncludeMarker)
                    {
                        lines.RemoveAt(i - 1);
                    }
                }
            }

            return lines;
        }

        public bool HasOurInclude(string mainText) => SshdConfigText.Lines(mainText).Any(l => l.Trim() == IncludeLine);

        /// <summary>Where our directives live now: the drop-in, our included file, or nowhere.</summary>
        public string? InstalledConf(string mainText) =>
            HasOurInclude(mainText) ? IncludedConf : File.Exists(DropIn) ? DropIn : null;

        /// <summary>
        /// Whether the main file includes sshd_config.d (naming our drop-in) in its global part, before any keyword we
        /// own: then the drop-in wins as Debian and Ubuntu intend.
        /// </summary>
        public bool DropInWins(string mainText, IReadOnlyCollection<string> ownedKeywords)
        {
            foreach (string line in SshdConfigText.Lines(mainText))
            {
                (string Keyword, string Value)? kv = SshdConfigText.Split(line);
                if (kv == null)
                {
                    continue;
                }

                string keyword = kv.Value.Keyword;
                if (keyword.Equals("Match", StringComparison.OrdinalIgnoreCase) || ownedKeywords.Contains(keyword, StringComparer.OrdinalIgnoreCase))
                {
                    return false;
                }

                if (keyword.Equals("Include", StringComparison.OrdinalIgnoreCase) && SshdConfigText.IncludeNames(kv.Value.Value, ConfigDir, DropIn))
                {
                    return true;
                }
            }

            return false;
        }

        public static string Text(IEnumerable<string> lines)
        {
            var text = new StringBuilder();
            foreach (string line in lines)
            {
                text.Append(line).Append('\n');
            }

            return text.ToString();
        }
    }
}
