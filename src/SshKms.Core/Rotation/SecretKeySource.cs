using System;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Audit;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;
using SshKms.Core.Sessions;

namespace SshKms.Core.Rotation
{
    /// <summary>
    /// A key-pair secret's private key for logins (sessions with -SecretId, rotation over SSH): fetched from Secrets
    /// Manager each time it is used, never cached in memory or on disk, and handed over for the caller to dispose.
    /// </summary>
    public sealed class SecretKeySource
    {
        private readonly SecretsManagerClient? _sm;
        private readonly AwsSettings? _settings;

        /// <summary>Reads through a client the caller owns (a rotation's).</summary>
        public SecretKeySource(SecretsManagerClient sm, string secretId, string? stage = null)
        {
            _sm = sm ?? throw new ArgumentNullException(nameof(sm));
            SecretId = secretId;
            Stage = KeyPairSecrets.NormalizeStage(stage);
        }

        /// <summary>Opens a client for each read, so nothing outlives the read that needed it.</summary>
        public SecretKeySource(AwsSettings settings, string secretId, string? stage = null)
        {
            _settings = settings ?? throw new ArgumentNullException(nameof(settings));
            SecretId = secretId;
            Stage = KeyPairSecrets.NormalizeStage(stage);
        }

        public string SecretId { get; }

        public string Stage { get; }

        /// <summary>
        /// A session that logs in with this secret's key instead of a certificate. Without a user in the options,
        /// it logs in as the user the secret records. Each host's end is recorded in the audit journal under the STS caller.
        /// </summary>
        public static async Task<SshSession> OpenSessionAsync(AwsSettings settings, string secretId, SshSessionOptions options, CancellationToken cancellationToken)
        {
            var source = new SecretKeySource(settings, secretId);
            if (string.IsNullOrEmpty(options.UserName))
            {
                options.UserName = await source.UserNameAsync(cancellationToken).ConfigureAwait(false);
            }

            string caller = await SigningKeys.GetAwsCallerArnAsync(settings, cancellationToken).ConfigureAwait(false);
            return SshSession.WithKey(source.FetchAsync, options).RecordTo(AuditJournal.Default(), caller, AuditRecord.SecretCredentialPrefix + secretId);
        }

        /// <summary>The stage's private key; the caller disposes it, which wipes it.</summary>
        public Task<SshPrivateKey> FetchAsync(CancellationToken cancellationToken) =>
            ReadAsync(secret => secret.ParsePrivateKey(), cancellationToken);

        /// <summary>The user name the secret records for its key (null when it records none).</summary>
        public Task<string?> UserNameAsync(CancellationToken cancellationToken) =>
            ReadAsync(secret => string.IsNullOrEmpty(secret.UserName) ? null : secret.UserName, cancellationToken);

        private async Task<T> ReadAsync<T>(Func<KeyPairSecret, T> use, CancellationToken cancellationToken)
        {
            SecretsManagerClient sm = _sm ?? new SecretsManagerClient(_settings!);
            try
            {
                (KeyPairInfo _, KeyPairSecret secret) = await KeyPairSecrets.ReadAsync(sm, SecretId, Stage, cancellationToken).ConfigureAwait(false);
                using (secret)
                {
                    return use(secret);
                }
            }
            finally
            {
                if (_sm == null)
                {
                    sm.Dispose();
                }
            }
        }
    }
}
