using System;
using System.Text;

namespace SshKms.Core.OpenSsh
{
    /// <summary>
    /// The "-----BEGIN label-----" base64 wrapping OpenSSH uses for private keys and SSHSIG signatures. Lines are
    /// 70 columns because that is what ssh-keygen writes, so our files diff cleanly against its.
    /// </summary>
    public static class SshArmor
    {
        private const int LineLength = 70;

        public static string Wrap(string label, byte[] data)
        {
            string b64 = Convert.ToBase64String(data);
            var sb = new StringBuilder($"-----BEGIN {label}-----\n");
            for (int i = 0; i < b64.Length; i += LineLength)
            {
                sb.Append(b64, i, Math.Min(LineLength, b64.Length - i)).Append('\n');
            }

            return sb.Append($"-----END {label}-----\n").ToString();
        }

        /// <summary>
        /// The bytes between the BEGIN and END lines, or null when the text has no such pair (so callers can say
        /// what they expected). Bad base64 is an <see cref="SshFormatException"/> naming <paramref name="what"/>.
        /// </summary>
        public static byte[]? Unwrap(string text, string label, string what)
        {
            if (text == null)
            {
                throw new ArgumentNullException(nameof(text));
            }

            string begin = $"-----BEGIN {label}-----";
            string end = $"-----END {label}-----";
            int b = text.IndexOf(begin, StringComparison.Ordinal);
            int e = b < 0 ? -1 : text.IndexOf(end, b, StringComparison.Ordinal);
            if (b < 0 || e < 0)
            {
                return null;
            }

            string body = text.Substring(b + begin.Length, e - b - begin.Length).Replace("\r", string.Empty).Replace("\n", string.Empty).Trim();
            return SshPublicKey.DecodeBase64(body, what);
        }
    }
}
