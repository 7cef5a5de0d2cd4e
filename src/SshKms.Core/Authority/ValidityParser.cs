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
                // Seconds as a double cannot overflow here (9 digits a part); TimeSpan can, so it is range-checked first.
                double seconds = 0;
                foreach (Match m in Part.Matches(value))
                {
                    long n = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                    seconds += n * m.Groups[2].Value switch
                    {
                        "s" => 1d,
                        "m" => 60d,
                        "h" => 3600d,
                        "d" => 86400d,
                        _ => 7 * 86400d,
                    };
                }

                TimeSpan total = seconds < MaxSeconds ? TimeSpan.FromSeconds(seconds) : TimeSpan.Zero;
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

        /// <summary>About 100 years: longer than any policy allows, far short of TimeSpan's limit.</summary>
        private const double MaxSeconds = 100 * 366 * 86400d;

        private static string Shorten(string? text) => text == null ? string.Empty : text.Length > 40 ? text.Substring(0, 40) + "..." : text;
    }
}
