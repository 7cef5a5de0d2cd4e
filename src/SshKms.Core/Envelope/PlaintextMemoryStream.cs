using System;
using System.IO;

namespace SshKms.Core.Envelope
{
    /// <summary>
    /// A MemoryStream for plaintext SshKms made itself (decrypted output, the UTF-8 of a string or SecureString,
    /// piped bytes): zeroed on Dispose, and each time it grows the buffer it leaves behind is zeroed first, so no
    /// copy of the plaintext is left for the GC. Never wrap a caller's array in it: that would clear their data.
    /// </summary>
    internal sealed class PlaintextMemoryStream : MemoryStream
    {
        public PlaintextMemoryStream()
        {
        }

        /// <summary>Reads bytes this stream now owns; they are zeroed on Dispose.</summary>
        public PlaintextMemoryStream(byte[] owned)
            : base(owned, 0, owned.Length, writable: false, publiclyVisible: true)
        {
        }

        /// <summary>MemoryStream grows through this setter: zero the old buffer once its bytes are copied.</summary>
        public override int Capacity
        {
            get => base.Capacity;
            set
            {
                byte[] old = GetBuffer();
                base.Capacity = value;
                if (!ReferenceEquals(old, GetBuffer()))
                {
                    Wipe.Bytes(old);
                }
            }
        }

        protected override void Dispose(bool disposing)
        {
            byte[] buffer = GetBuffer();
            Wipe.Bytes(buffer);
            base.Dispose(disposing);
        }
    }
}
