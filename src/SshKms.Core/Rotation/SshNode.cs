using System;
using System.Globalization;
using System.Linq;

namespace SshKms.Core.Rotation
{
    /// <summary>A rotation target reached over SSH, as written on the command line: [USER@]HOST[:PORT], [IPv6]:PORT too.</summary>
    public sealed class SshNode
    {
        private SshNode(string text, string? user, string host, int? port)
        {
            Text = text;
            User = user;
            Host = host;
            Port = port;
        }

        public string Text { get; }

        public string? User { get; }

        public string Host { get; }

        public int? Port { get; }

        public static SshNode Parse(string text)
        {
            string t = (text ?? string.Empty).Trim();
            int at = t.LastIndexOf('@');
            string? user = at > 0 ? t.Substring(0, at) : null;
            string rest = t.Substring(at + 1);
            string host = rest;
            string? port = null;
            if (rest.StartsWith("[", StringComparison.Ordinal))
            {
                int close = rest.IndexOf(']');
                if (close < 0 || (close + 1 < rest.Length && rest[close + 1] != ':'))
                {
                    throw Invalid(text, "an IPv6 address in brackets is [ADDRESS] or [ADDRESS]:PORT");
                }

                host = rest.Substring(1, close - 1);
                port = close + 1 < rest.Length ? rest.Substring(close + 2) : null;
            }
            else if (rest.IndexOf(':') >= 0 && rest.IndexOf(':') == rest.LastIndexOf(':'))
            {
                host = rest.Substring(0, rest.IndexOf(':'));
                port = rest.Substring(rest.IndexOf(':') + 1);
            }

            if (host.Length == 0 || host.StartsWith("-", StringComparison.Ordinal) || host.Any(char.IsWhiteSpace) || at == 0)
            {
                throw Invalid(text, "give [USER@]HOST[:PORT]");
            }

            int? portNumber = null;
            if (port != null)
            {
                if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int p) || p < 1 || p > 65535)
                {
                    throw Invalid(text, "the port is a number from 1 to 65535");
                }

                portNumber = p;
            }

            return new SshNode(t, user, host, portNumber);
        }

        private static SshKmsException Invalid(string? text, string why) =>
            new SshKmsException("RotationNodeInvalid", SshKmsErrorCategory.InvalidArgument, $"'{text}' is not a node: {why}.");
    }
}
