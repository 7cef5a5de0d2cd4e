using System;

namespace SshKms.Core.Sessions
{
    /// <summary>
    /// A transport named as text, as both front ends take it: one parser, so a bad name is one ErrorId from the
    /// cmdlet and from the command line.
    /// </summary>
    public static class SshTransportNames
    {
        /// <summary>Auto, OpenSsh or Managed, in any case; null (not given) is Auto.</summary>
        public static SshTransportKind Parse(string? text)
        {
            if (text == null)
            {
                return SshTransportKind.Auto;
            }

            foreach (SshTransportKind kind in new[] { SshTransportKind.Auto, SshTransportKind.OpenSsh, SshTransportKind.Managed })
            {
                if (string.Equals(text, kind.ToString(), StringComparison.OrdinalIgnoreCase))
                {
                    return kind;
                }
            }

            throw new SshKmsException("SshTransportInvalid", SshKmsErrorCategory.InvalidArgument,
                $"'{text}' is not an SSH transport: give Auto, OpenSsh or Managed.");
        }
    }
}
