using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;

namespace SshKms.PowerShell
{
    /// <summary>PowerShell parameter shapes to the values Core takes, shared by every cmdlet that has them.</summary>
    internal static class ParameterValues
    {
        /// <summary>-SshOption @{ Name = Value } as the ordered pairs ssh gets as -o Name=Value.</summary>
        public static IEnumerable<KeyValuePair<string, string>> SshOptions(Hashtable? table)
        {
            foreach (DictionaryEntry entry in (IDictionary?)table ?? new Hashtable())
            {
                yield return new KeyValuePair<string, string>(
                    Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty,
                    Convert.ToString(entry.Value, CultureInfo.InvariantCulture) ?? string.Empty);
            }
        }

        /// <summary>A duration parameter: a TimeSpan, or text as operators type it ("15m", "1h30m", "30d").</summary>
        public static TimeSpan Duration(object value)
        {
            object? inner = value is System.Management.Automation.PSObject ps ? ps.BaseObject : value;
            if (inner != null && !(inner is string) && !(inner is TimeSpan) && inner is IConvertible)
            {
                // Unquoted, PowerShell reads 30d as decimal 30 and 90s as short 90: the unit is lost before we see it.
                throw new SshKms.Core.SshKmsException("CertificateValidityInvalid", SshKms.Core.SshKmsErrorCategory.InvalidArgument,
                    $"PowerShell passed the number {inner} without its unit: quote the duration ('30d', '90s') or pass a TimeSpan.");
            }

            return inner is TimeSpan span ? span : SshKms.Core.Authority.ValidityParser.Parse(Convert.ToString(inner, CultureInfo.InvariantCulture) ?? string.Empty);
        }

        /// <summary>UTF-8 bytes of a SecureString; the caller zeroes them.</summary>
        public static byte[] ToUtf8(SecureString secure)
        {
            IntPtr ptr = Marshal.SecureStringToGlobalAllocUnicode(secure);
            char[] chars = new char[secure.Length];
            try
            {
                Marshal.Copy(ptr, chars, 0, chars.Length);
                return Encoding.UTF8.GetBytes(chars);
            }
            finally
            {
                Array.Clear(chars, 0, chars.Length);
                Marshal.ZeroFreeGlobalAllocUnicode(ptr);
            }
        }

        /// <summary>A read-only SecureString of UTF-8 bytes; the intermediate characters are wiped.</summary>
        public static SecureString ToSecureString(byte[] utf8)
        {
            char[] chars = Encoding.UTF8.GetChars(utf8);
            var secure = new SecureString();
            try
            {
                foreach (char c in chars)
                {
                    secure.AppendChar(c);
                }

                secure.MakeReadOnly();
                return secure;
            }
            finally
            {
                Array.Clear(chars, 0, chars.Length);
            }
        }
    }
}
