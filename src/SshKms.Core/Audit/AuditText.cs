using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace SshKms.Core.Audit
{
    /// <summary>
    /// Journal events as one line of text each. Every field is escaped: a principal or host that holds a newline
    /// or a terminal escape must not forge a second event line or repaint the operator's screen.
    /// </summary>
    public static class AuditText
    {
        /// <summary>time, type, operator, then the fields that have a value as name=value, all on one line.</summary>
        public static string Line(AuditRecord r) =>
            string.Join("  ", new[]
            {
                r.Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
                Escape(r.Type),
                Escape(r.Operator),
                string.Join(" ", r.Fields.Where(f => f.Value != null).Select(f => Escape(f.Key) + "=" + Escape(Text(f.Value)))),
            });

        /// <summary>
        /// Control characters (C0, DEL, C1), the Unicode line and paragraph separators and the backslash itself become
        /// backslash escapes (\n, \r, \t, \\, \u001b), so the result is one line that reads back unambiguously.
        /// </summary>
        public static string Escape(string text)
        {
            StringBuilder? escaped = null;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                string? replacement = c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t"
                    : c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029' ? "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture)
                    : null;
                if (replacement != null && escaped == null)
                {
                    escaped = new StringBuilder(text, 0, i, text.Length + 16);
                }

                if (escaped != null)
                {
                    escaped.Append(replacement ?? c.ToString());
                }
            }

            return escaped?.ToString() ?? text;
        }

        private static string Text(object? value) =>
            value is IEnumerable<string> list && !(value is string) ? string.Join(",", list) : System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;
    }
}
