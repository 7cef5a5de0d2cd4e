using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Cli;
using SshKms.Core.OpenSsh;
using SshKms.PowerShell.Rotation;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Rotation
{
    [Collection("aws")]
    public sealed class KeyPairSurfaceTests
    {
        private readonly MotoServer _moto;

        public KeyPairSurfaceTests(MotoServer moto)
        {
            _moto = moto;
        }

        internal static async Task<(int Code, string Out, string Err, byte[] Raw)> Cli(params string[] args)
        {
            var outWriter = new StringWriter();
            var errWriter = new StringWriter();
            var raw = new MemoryStream();
            int code = await Program.RunAsync(args, new CliConsole(() => new MemoryStream(), () => raw, outWriter, errWriter));
            return (code, outWriter.ToString(), errWriter.ToString(), raw.ToArray());
        }

        [Fact]
        public async Task CliNewThenGetPublicAndPrivate()
        {
            string name = "cli/" + Guid.NewGuid().ToString("N");
            var created = await Cli("keypair", "new", "--secret-id", name, "--key-type", "ecdsa", "--user", "ops", "--endpoint-url", _moto.Endpoint, "--region", "us-east-1");
            Assert.Equal(0, created.Code);
            SshPublicKey pub = SshPublicKey.Parse(created.Out.Trim());
            Assert.Equal("ecdsa-sha2-nistp256", pub.KeyType);
            Assert.StartsWith("sshkms:" + name + ":", pub.Comment);

            var got = await Cli("keypair", "get", "--secret-id", name, "--public", "--endpoint-url", _moto.Endpoint, "--region", "us-east-1");
            Assert.Equal(0, got.Code);
            Assert.Equal(created.Out, got.Out);

            var priv = await Cli("keypair", "get", "--secret-id", name, "--stage", "AWSCURRENT", "--endpoint-url", _moto.Endpoint, "--region", "us-east-1");
            Assert.Equal(0, priv.Code);
            using SshPrivateKey key = SshPrivateKey.ParseOpenSsh(Encoding.UTF8.GetString(priv.Raw));
            Assert.Equal(pub.Fingerprint, key.PublicKey.Fingerprint);
        }

        [Fact]
        public async Task CliErrorsAreOneLineWithErrorId()
        {
            var missing = await Cli("keypair", "get", "--secret-id", "nope-" + Guid.NewGuid().ToString("N"), "--endpoint-url", _moto.Endpoint, "--region", "us-east-1");
            Assert.Equal(1, missing.Code);
            Assert.Matches(@"^sshkms: .+ \[AwsResourceNotFound\]\r?\n$", missing.Err);

            var badType = await Cli("keypair", "new", "--secret-id", "x", "--key-type", "dsa", "--endpoint-url", _moto.Endpoint, "--region", "us-east-1");
            Assert.Equal(1, badType.Code);
            Assert.Contains("[KeyTypeUnsupported]", badType.Err);

            var badStage = await Cli("keypair", "get", "--secret-id", "x", "--stage", "LATEST", "--endpoint-url", _moto.Endpoint, "--region", "us-east-1");
            Assert.Contains("[SecretStageInvalid]", badStage.Err);
        }

        [Fact]
        public async Task CmdletsCreateAndReadWithSecureStringByDefault()
        {
            string name = "ps/" + Guid.NewGuid().ToString("N");
            var create = new NewSshKmsKeyPairSecretCommand { SecretId = name, KeyType = "rsa3072", UserName = "u", Region = "us-east-1", EndpointUrl = _moto.Endpoint };
            var info = await create.CreateAsync(CancellationToken.None);
            Assert.Equal("ssh-rsa", info.KeyType);

            var get = new GetSshKmsKeyPairCommand { SecretId = name, Region = "us-east-1", EndpointUrl = _moto.Endpoint };
            SshKmsKeyPair pair = await get.ReadAsync(false, false, CancellationToken.None);
            var secure = Assert.IsType<SecureString>(pair.PrivateKey);
            Assert.True(secure.IsReadOnly());
            IntPtr ptr = Marshal.SecureStringToGlobalAllocUnicode(secure);
            try
            {
                using SshPrivateKey key = SshPrivateKey.ParseOpenSsh(Marshal.PtrToStringUni(ptr)!);
                Assert.Equal(info.Fingerprint, key.PublicKey.Fingerprint);
            }
            finally
            {
                Marshal.ZeroFreeGlobalAllocUnicode(ptr);
            }

            Assert.StartsWith("-----BEGIN OPENSSH PRIVATE KEY-----", Assert.IsType<string>((await get.ReadAsync(true, false, CancellationToken.None)).PrivateKey));
            SshKmsKeyPair pub = await get.ReadAsync(false, true, CancellationToken.None);
            Assert.Null(pub.PrivateKey);
            Assert.Equal(info.PublicKey, pub.PublicKey);
        }

        [Theory]
        [InlineData(typeof(NewSshKmsKeyPairSecretCommand), "New", "SshKmsKeyPairSecret", true)]
        [InlineData(typeof(GetSshKmsKeyPairCommand), "Get", "SshKmsKeyPair", false)]
        [InlineData(typeof(InvokeSshKeyRotationCommand), "Invoke", "SshKeyRotation", true)]
        public void CmdletMetadataIsCompleteAndExported(Type type, string verb, string noun, bool shouldProcess)
        {
            CustomAttributeData cmdlet = type.GetCustomAttributesData().Single(a => a.AttributeType == typeof(CmdletAttribute));
            Assert.Equal(verb, cmdlet.ConstructorArguments[0].Value);
            Assert.Equal(noun, cmdlet.ConstructorArguments[1].Value);
            bool supports = cmdlet.NamedArguments.Any(n => n.MemberName == "SupportsShouldProcess" && (bool)n.TypedValue.Value!);
            Assert.Equal(shouldProcess, supports);
            Assert.Contains(type.GetCustomAttributesData(), a => a.AttributeType == typeof(OutputTypeAttribute));
            string name = verb + "-" + noun;
            string root = FindRepoRoot();
            Assert.Contains("'" + name + "'", File.ReadAllText(Path.Combine(root, "SshKms.psd1")));
            string doc = File.ReadAllText(Path.Combine(root, "docs", "cmdlets", name + ".md"));
            foreach (PropertyInfo p in type.GetProperties().Where(p => p.GetCustomAttributesData().Any(a => a.AttributeType == typeof(ParameterAttribute))))
            {
                Assert.Contains("### -" + p.Name, doc);
            }
        }

        private static string FindRepoRoot()
        {
            string dir = AppContext.BaseDirectory;
            while (!File.Exists(Path.Combine(dir, "SshKms.psd1")))
            {
                dir = Path.GetDirectoryName(dir)!;
            }

            return dir;
        }
    }
}
