using System;
using System.Collections;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using SshKms.Core;

namespace SshKms.PowerShell.Envelope
{
    /// <summary>Conversions the two envelope cmdlets share: hashtable contexts and SecureString in and out.</summary>
    internal static class EnvelopeParameters
    {
        public static Dictionary<string, string>? ToContext(Hashtable? table)
        {
            if (table == null)
            {
                return null;
            }

            var context = new Dictionary<string, string>();
            foreach (DictionaryEntry entry in table)
            {
                string key = entry.Key?.ToString() ?? string.Empty;
                context[key] = entry.Value?.ToString() ?? throw new SshKmsException("EnvelopeContextInvalid", SshKmsErrorCategory.InvalidArgument, $"Invalid encryption context: the value of '{key}' is null.");
            }

            return context;
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
