using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using System.Threading.Tasks;
using SshKms.Cli;
using SshKms.Core.OpenSsh;
using SshKms.Core.Rotation;
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
        public void CmdletsCreateAndReadWithSecureStringByDefault()
        {
            string name = "ps/" + Guid.NewGuid().ToString("N");
            using var ps = new ModuleRunspace();
            (string, object?)[] aws = { ("n", name), ("e", _moto.Endpoint) };
            var info = (KeyPairInfo)Assert.Single(ps.Ok("New-SshKmsKeyPairSecret -SecretId $n -KeyType rsa3072 -UserName u -Region us-east-1 -EndpointUrl $e", aws)).BaseObject;
            Assert.Equal("ssh-rsa", info.KeyType);

            var pair = (SshKmsKeyPair)Assert.Single(ps.Ok("Get-SshKmsKeyPair -SecretId $n -Region us-east-1 -EndpointUrl $e", aws)).BaseObject;
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

            var plain = (SshKmsKeyPair)Assert.Single(ps.Ok("Get-SshKmsKeyPair $n -AsPlainText -Region us-east-1 -EndpointUrl $e", aws)).BaseObject;
            Assert.StartsWith("-----BEGIN OPENSSH PRIVATE KEY-----", Assert.IsType<string>(plain.PrivateKey));
            var pub = (SshKmsKeyPair)Assert.Single(ps.Ok("[pscustomobject]@{ SecretId = $n; Stage = 'AWSCURRENT' } | Get-SshKmsKeyPair -PublicOnly -Region us-east-1 -EndpointUrl $e", aws)).BaseObject;
            Assert.Null(pub.PrivateKey);
            Assert.Equal(info.PublicKey, pub.PublicKey);
            Assert.Equal("AwsResourceNotFound", ps.Run("Get-SshKmsKeyPair -SecretId $n -Region us-east-1 -EndpointUrl $e", ("n", name + "-nope"), ("e", _moto.Endpoint)).ErrorId);
        }

        [Fact]
        public void NewKeyPairSecretWhatIfCreatesNoSecret()
        {
            string name = "ps-whatif/" + Guid.NewGuid().ToString("N");
            using var ps = new ModuleRunspace();
            RunResult r = ps.Run("New-SshKmsKeyPairSecret -SecretId $n -Region us-east-1 -EndpointUrl $e -WhatIf", ("n", name), ("e", _moto.Endpoint));
            Assert.Empty(r.Errors);
            Assert.Empty(r.Output);
            Assert.Equal("AwsResourceNotFound", ps.Run("Get-SshKmsKeyPair -SecretId $n -PublicOnly -Region us-east-1 -EndpointUrl $e", ("n", name), ("e", _moto.Endpoint)).ErrorId);
        }
    }
}
