using System;
using System.Linq;
using SshKms.Core.OpenSsh;
using SshKms.Core.Rotation;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Parity
{
    /// <summary>
    /// New-SshKmsKeyPairSecret / Get-SshKmsKeyPair / Invoke-SshKeyRotation / Invoke-SshKmsSession -SecretId and
    /// `sshkms keypair` / `rotate` / `ssh --secret-id` refuse the same bad input with the same ErrorId, against moto.
    /// </summary>
    [Collection("aws")]
    public sealed class RotationParityTests
    {
        private const string PsAws = " -Region us-east-1 -EndpointUrl $e";

        private readonly MotoServer _moto;

        public RotationParityTests(MotoServer moto)
        {
            _moto = moto;
        }

        private string[] CliAws => new[] { "--region", "us-east-1", "--endpoint-url", _moto.Endpoint };

        private static string NewName() => "parity/" + Guid.NewGuid().ToString("N");

        /// <summary>The AWS options go right after the command's words: after `--` they would be the remote command's.</summary>
        private void Same(string id, string script, string[] cliArgs, params (string Name, object? Value)[] variables)
        {
            int words = cliArgs[0] == "keypair" ? 2 : 1;
            string[] cli = cliArgs.Take(words).Concat(CliAws).Concat(cliArgs.Skip(words)).ToArray();
            FrontEndParity.AssertSameErrorId(id, script + PsAws, cli, null, null, variables.Concat(new (string, object?)[] { ("e", _moto.Endpoint) }).ToArray());
        }

        [Fact]
        public void GettingAMissingSecretIsNotFound()
        {
            string name = NewName();
            Same("AwsResourceNotFound", "Get-SshKmsKeyPair $s -PublicOnly", new[] { "keypair", "get", "--secret-id", name, "--public" }, ("s", name));
        }

        [Fact]
        public void ASessionWithAMissingSecretIsNotFound()
        {
            string name = NewName();
            Same("AwsResourceNotFound", "Invoke-SshKmsSession 127.0.0.1 true -SecretId $s", new[] { "ssh", "--secret-id", name, "127.0.0.1", "--", "true" }, ("s", name));
        }

        [Fact]
        public void CreatingASecretThatExistsIsRefused()
        {
            string name = NewName();
            using (var sm = new SshKms.Core.Aws.SecretsManagerClient(_moto.Settings))
            {
                KeyPairSecrets.CreateAsync(sm, name, SshKeyAlgorithm.Ed25519, null, null, default).GetAwaiter().GetResult();
            }

            Same("AwsResourceExists", "New-SshKmsKeyPairSecret $s", new[] { "keypair", "new", "--secret-id", name }, ("s", name));
        }

        [Fact]
        public void ASecretNameWithASpaceIsInvalid() =>
            Same("SecretNameInvalid", "New-SshKmsKeyPairSecret 'bad name'", new[] { "keypair", "new", "--secret-id", "bad name" });

        [Fact]
        public void ALocalKeyCannotEncryptASecret() =>
            Same("SecretKmsKeyNotAws", "New-SshKmsKeyPairSecret $s -KmsKeyId local:x", new[] { "keypair", "new", "--secret-id", "x", "--kms-key", "local:x" }, ("s", "x"));

        [Fact]
        public void ANodeWithAPortOutOfRangeIsInvalid() =>
            Same("RotationNodeInvalid", "Invoke-SshKeyRotation s -Node 127.0.0.1:99999", new[] { "rotate", "--secret-id", "s", "--node", "127.0.0.1:99999" });

        [Theory]
        [InlineData("bogus")]
        [InlineData("open-ssh")]
        public void ATransportThatIsNotAutoOpenSshOrManagedIsInvalid(string transport) =>
            Same("SshTransportInvalid", "Invoke-SshKeyRotation s -Node 127.0.0.1 -Transport $t",
                new[] { "rotate", "--secret-id", "s", "--node", "127.0.0.1", "--transport", transport }, ("t", transport));

        [Fact]
        public void AShortTokenIsInvalid() =>
            Same("RotationTokenInvalid", "Invoke-SshKeyRotation s -InstanceId i-1 -ClientRequestToken too-short",
                new[] { "rotate", "--secret-id", "s", "--instance-id", "i-1", "--token", "too-short" });

        [Fact]
        public void AnAuthorizedKeysTemplateWithAnUnknownEscapeIsInvalid() =>
            Same("AuthorizedKeysFileInvalid", "Invoke-SshKeyRotation s -InstanceId i-1 -AuthorizedKeysFile '%q/keys'",
                new[] { "rotate", "--secret-id", "s", "--instance-id", "i-1", "--authorized-keys-file", "%q/keys" });

        [Fact]
        public void ARelativeSshdConfigIsInvalid() =>
            Same("SshdConfigInvalid", "Invoke-SshKeyRotation s -InstanceId i-1 -SshdConfigFile etc/sshd_config",
                new[] { "rotate", "--secret-id", "s", "--instance-id", "i-1", "--sshd-config", "etc/sshd_config" });

        [Fact]
        public void RotatingAMissingSecretIsNotFound()
        {
            string name = NewName();
            Same("AwsResourceNotFound", "Invoke-SshKeyRotation $s -InstanceId i-0aaaaaaaaaaaaaaa1", new[] { "rotate", "--secret-id", name, "--instance-id", "i-0aaaaaaaaaaaaaaa1" }, ("s", name));
        }
    }
}
