using System;

namespace SshKms.Core.Rotation
{
    /// <summary>
    /// Which file a node's script edits, and how long it waits for another rotation of that file. These are the
    /// operator's settings for nodes whose sshd does not read ~user/.ssh/authorized_keys.
    /// </summary>
    public sealed class AuthorizedKeysOptions
    {
        /// <summary>
        /// The file to edit as sshd's AuthorizedKeysFile names it: %u is the user, %h the home folder, %U the uid, %% a
        /// percent sign; a relative path is relative to the home. Null: SSHKMS_AUTHORIZED_KEYS if the node sets it, else
        /// (as root) the first file `sshd -T` says sshd reads for the user, else ~user/.ssh/authorized_keys.
        /// </summary>
        public string? FileTemplate { get; set; }

        /// <summary>The sshd_config the nodes' sshd runs with (sshd -f), when it is not the default one.</summary>
        public string? SshdConfig { get; set; }

        /// <summary>How long a node's script waits for another rotation editing the same file before it fails with RotationLocked.</summary>
        public TimeSpan LockWait { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>Throws AuthorizedKeysFileInvalid / SshdConfigInvalid for values no node could use; callers check before any AWS call.</summary>
        public void Validate()
        {
            if (FileTemplate != null)
            {
                string why = TemplateProblem(FileTemplate);
                if (why.Length > 0)
                {
                    throw new SshKmsException("AuthorizedKeysFileInvalid", SshKmsErrorCategory.InvalidArgument,
                        $"'{FileTemplate}' is not an authorized_keys file template: {why}.");
                }
            }

            if (SshdConfig != null && (SshdConfig.Length == 0 || SshdConfig.IndexOfAny(new[] { '\n', '\r', '\0' }) >= 0 || SshdConfig[0] != '/'))
            {
                throw new SshKmsException("SshdConfigInvalid", SshKmsErrorCategory.InvalidArgument,
                    $"'{SshdConfig}' is not an sshd_config path: give the absolute path the nodes' sshd reads (sshd -f).");
            }

            if (LockWait < TimeSpan.Zero)
            {
                throw new SshKmsException("RotationLockWaitInvalid", SshKmsErrorCategory.InvalidArgument, "The lock wait cannot be negative.");
            }
        }

        private static string TemplateProblem(string template)
        {
            if (template.Trim().Length == 0)
            {
                return "it is empty";
            }

            if (template.IndexOfAny(new[] { '\n', '\r', '\0' }) >= 0)
            {
                return "it spans lines";
            }

            for (int i = 0; i < template.Length; i++)
            {
                if (template[i] == '%')
                {
                    char next = i + 1 < template.Length ? template[i + 1] : ' ';
                    if (next != '%' && next != 'u' && next != 'h' && next != 'U')
                    {
                        return "sshd's tokens are %u, %h, %U and %%";
                    }

                    i++;
                }
            }

            return string.Empty;
        }
    }
}
