using System;
#if NET8_0_OR_GREATER
using System.Security.Cryptography;
#endif

namespace SshKms.Core
{
    /// <summary>
    /// The one way SshKms zeroes secrets it holds (data keys, plaintext copies, private key bytes): the runtime's
    /// ZeroMemory where it exists, which the JIT may not remove as a dead store; Array.Clear on netstandard2.0.
    /// </summary>
    internal static class Wipe
    {
        public static void Bytes(byte[]? buffer)
        {
            if (buffer == null)
            {
                return;
            }

#if NET8_0_OR_GREATER
            CryptographicOperations.ZeroMemory(buffer);
#else
            Array.Clear(buffer, 0, buffer.Length);
#endif
        }

        public static void Bytes(byte[] buffer, int offset, int count)
        {
#if NET8_0_OR_GREATER
            CryptographicOperations.ZeroMemory(buffer.AsSpan(offset, count));
#else
            Array.Clear(buffer, offset, count);
#endif
        }

        public static void Chars(char[]? buffer)
        {
            if (buffer != null)
            {
                Array.Clear(buffer, 0, buffer.Length);
            }
        }
    }
}
