using System;
using System.Globalization;
using System.Text.RegularExpressions;

namespace SshKms.Core.Authority
{
    /// <summary>
    /// Durations the way operators type them ("90s", "15m", "1h30m", "30d", "1w"), shared by the cmdlets and the CLI
    /// so both accept exactly the same spellings.
    /// </summary>
    public static class ValidityParser
    {
        private static readonly Regex Part = new Regex("([0-9]{1,9})([smhdw])", RegexOptions.CultureInvariant);
        private static readonly Regex Whole = new Regex("^(?:[0-9]{1,9}[smhdw])+$", RegexOptions.CultureInvariant);

        /// <summary>Parses "1h30m"-style text, or a TimeSpan in its invariant form ("01:30:00").</summary>
        public static TimeSpan Parse(string text)
        {
            string value = (text ?? string.Empty).Trim().ToLowerInvariant();
            if (Whole.IsMatch(value))
            {
                TimeSpan total = TimeSpan.Zero;
                foreach (Match m in Part.Matches(value))
                {
                    long n = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                    total += m.Groups[2].Value switch
                    {
                        "s" => TimeSpan.FromSeconds(n),
                        "m" => TimeSpan.FromMinutes(n),
                        "h" => TimeSpan.FromHours(n),
                        "d" => TimeSpan.FromDays(n),
                        _ => TimeSpan.FromDays(7 * n),
                    };
                }

                if (total > TimeSpan.Zero)
                {
                    return total;
                }
            }
            else if (value.Contains(":") && TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out TimeSpan span) && span > TimeSpan.Zero)
            {
                return span;
            }

            throw new SshKmsException("CertificateValidityInvalid", SshKmsErrorCategory.InvalidArgument,
                $"'{Shorten(text)}' is not a validity: use a positive duration such as 90s, 15m, 1h30m, 30d or 1w.");
        }

        private static string Shorten(string? text) => text == null ? string.Empty : text.Length > 40 ? text.Substring(0, 40) + "..." : text;
    }
}
