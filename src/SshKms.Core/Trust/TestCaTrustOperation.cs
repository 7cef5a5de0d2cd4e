using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Aws;
using SshKms.Core.Keys;

namespace SshKms.Core.Trust
{
    public sealed class TestCaTrustOptions
    {
        /// <summary>CA key URIs that must be trusted; none: any trust we installed.</summary>
        public string[] CaKeys { get; set; } = new string[0];

        public string? SshdConfig { get; set; }

        /// <summary>The login user whose effective configuration `sshd -T` shows; default: the current user.</summary>
        public string? User { get; set; }

        public string? SshdPath { get; set; }

        public AwsSettings Aws { get; set; } = new AwsSettings();
    }

    /// <summary>Whether sshd, as configured now, trusts the CA keys: each problem found, none when it does.</summary>
    public sealed class CaTrustTest
    {
        internal CaTrustTest(string sshdConfig, IReadOnlyList<string> problems)
        {
            SshdConfig = sshdConfig;
            Problems = problems;
        }

        public string SshdConfig { get; }

        public bool IsTrusted => Problems.Count == 0;

        public IReadOnlyList<string> Problems { get; }
    }

    /// <summary>
    /// `trust test` / Test-SshCaTrust: trust installed, `sshd -t` accepts the configuration, `sshd -T` shows our
    /// TrustedUserCAKeys in effect, and each CA key asked about is in it. Findings, not errors: a bad state is the answer.
    /// </summary>
    public static class TestCaTrustOperation
    {
        public static async Task<CaTrustTest> RunAsync(TestCaTrustOptions options, CancellationToken cancellationToken)
        {
            if (options == null)
            {
                throw new ArgumentNullException(nameof(options));
            }

            TrustLayout layout = TrustLayout.For(options.SshdConfig);
            SshdProgram sshd = SshdProgram.Find(options.SshdPath);
            var problems = new List<string>();
            CaTrustInfo info = CaTrustInfo.Read(layout);
            if (info.Placement == "None")
            {
                problems.Add($"No CA trust is installed in {layout.MainConfig}.");
                return new CaTrustTest(layout.MainConfig, problems);
            }

            string? invalid = await sshd.ValidateAsync(layout.MainConfig, cancellationToken).ConfigureAwait(false);
            if (invalid != null)
            {
                problems.Add("sshd -t rejects the configuration: " + invalid);
                return new CaTrustTest(layout.MainConfig, problems);
            }

            Dictionary<string, List<string>> effective = await sshd.EffectiveAsync(layout.MainConfig, options.User ?? Environment.UserName, cancellationToken).ConfigureAwait(false);
            string actual = effective.TryGetValue("trustedusercakeys", out List<string>? values) ? values[0] : "none";
            if (actual != layout.CaKeysFile)
            {
                problems.Add($"sshd's effective TrustedUserCAKeys is '{actual}', not {layout.CaKeysFile}.");
            }

            foreach (string text in options.CaKeys ?? new string[0])
            {
                ISigningKey key = await SigningKeys.OpenAsync(KeyUri.Parse(text), options.Aws, cancellationToken).ConfigureAwait(false);
                if (!info.CaKeys.Any(k => key.PublicKey.Equals(k.PublicKey)))
                {
                    problems.Add($"The CA key {text} ({key.PublicKey.Fingerprint}) is not in {layout.CaKeysFile}.");
                }
            }

            return new CaTrustTest(layout.MainConfig, problems);
        }
    }
}
