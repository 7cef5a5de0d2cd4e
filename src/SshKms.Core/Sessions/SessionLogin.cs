using System;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Authority;
using SshKms.Core.Keys;
using SshKms.Core.Rotation;

namespace SshKms.Core.Sessions
{
    /// <summary>The decisions every session operation shares: which credential logs in, and the engine's options.</summary>
    internal static class SessionLogin
    {
        /// <summary>A session certificate's validity when none is given: long enough to log in, short enough not to matter after.</summary>
        public static readonly TimeSpan DefaultValidity = TimeSpan.FromMinutes(5);

        /// <summary>Checks what can be checked before any key is opened or AWS is called.</summary>
        public static void Validate(SshLoginOptions options)
        {
            if (options.SecretId != null && options.CaKey != null)
            {
                throw new SshKmsException("SessionCredentialsConflict", SshKmsErrorCategory.InvalidArgument,
                    "A stored key pair (the secret) and a certificate (the CA key) were both given to log in with: give one of them.");
            }
        }

        public static SshSessionOptions EngineOptions(SshLoginOptions options)
        {
            var engine = new SshSessionOptions
            {
                UserName = options.UserName,
                Port = options.Port,
                Validity = options.Validity ?? DefaultValidity,
                ConfigFile = options.ConfigFile,
                AcceptNewHostKey = options.AcceptNewHostKey,
                Transport = options.Transport,
                OnOutputLine = options.OnOutputLine,
                OnErrorLine = options.OnErrorLine,
                CancelReason = options.CancelReason,
            };
            engine.AddSshOptions(options.SshOptions, options.RevokedHostKeys);
            return engine;
        }

        /// <summary>
        /// The secret's stored key, or else a fresh key per host certified by the CA key (the default local CA when none
        /// is given). A session never creates a named local CA: no server could trust a CA made a moment ago. Only
        /// local:default is made on first use, as for certificates, and the caller is told.
        /// </summary>
        public static async Task<SshSession> OpenAsync(SshLoginOptions options, SshSessionOptions engine, CancellationToken cancellationToken)
        {
            if (options.SecretId != null)
            {
                return await SecretKeySource.OpenSessionAsync(options.Aws, options.SecretId, engine, cancellationToken).ConfigureAwait(false);
            }

            CertificateAuthority authority = await CertificateAuthority.OpenAsync(KeyUri.ParseOrDefaultCa(options.CaKey), options.Aws, cancellationToken)
                .ConfigureAwait(false);
            if (authority.CreatedKey != null)
            {
                options.OnKeyCreated?.Invoke(authority.CreatedKey);
            }

            return SshSession.WithAuthority(authority, engine);
        }
    }
}
