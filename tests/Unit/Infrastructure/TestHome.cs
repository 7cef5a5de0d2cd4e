using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.Json;
using SshKms.Core.Audit;
using SshKms.Core.Aws;
using SshKms.Core.Keys;

namespace SshKms.Tests.Infrastructure
{
    /// <summary>
    /// One SSHKMS_HOME for the whole test run, set before any test starts and never changed: the variable is
    /// process-wide, so per-test homes would race between parallel collections. Tests isolate themselves with
    /// unique local key names instead, and never touch the operator's real ~/.sshkms.
    /// </summary>
    public static class TestHome
    {
        public static string Path { get; private set; } = string.Empty;

        [ModuleInitializer]
        internal static void Initialise()
        {
            Path = Directory.CreateTempSubdirectory("sshkms-test-home-").FullName;
            Environment.SetEnvironmentVariable("SSHKMS_HOME", Path);
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                try
                {
                    Directory.Delete(Path, true);
                }
                catch (IOException)
                {
                }
            };
        }

        /// <summary>A local key URI no other test uses.</summary>
        public static string NewLocalKey(string prefix) => "local:" + prefix + "-" + Guid.NewGuid().ToString("N").Substring(0, 10);

        public static string KeyFile(string name) => System.IO.Path.Combine(Path, "keys", name + ".key");

        /// <summary>A new local CA key no other test uses, created as New-SshKmsCaKey / `sshkms ca create` create it.</summary>
        public static string NewLocalCa(string prefix)
        {
            string uri = NewLocalKey(prefix);
            SigningKeys.CreateAsync(KeyUri.Parse(uri), null, new AwsSettings(), default).GetAwaiter().GetResult();
            return uri;
        }

        /// <summary>The CA's OpenSSH public key line; the key must exist (reads never create one).</summary>
        public static string CaPublicKeyLine(string uri) =>
            SigningKeys.OpenAsync(KeyUri.Parse(uri), new AwsSettings(), default).GetAwaiter().GetResult().PublicKey.ToString();

        /// <summary>The certificate.issued events the real CA journalled for one CA key.</summary>
        public static IReadOnlyList<JsonElement> IssuedBy(string uri) =>
            AuditJournal.Default().ReadAll()
                .Where(e => e.GetProperty("type").GetString() == AuditEvent.CertificateIssued && e.GetProperty("caKey").GetString() == uri)
                .ToList();
    }
}
