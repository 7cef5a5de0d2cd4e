using System;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Parity
{
    /// <summary>
    /// AWS answers reach both front ends through Core's one error mapping (AwsErrors), and the SSM tag is parsed in
    /// Core's SsmNodeDistributor: the cmdlet and the CLI report the same ErrorId for the same bad input against moto.
    /// </summary>
    [Collection("aws")]
    public sealed class AwsParityTests
    {
        private readonly MotoServer _moto;

        public AwsParityTests(MotoServer moto) => _moto = moto;

        [Fact]
        public void AMissingSecretIsAwsResourceNotFoundInBoth()
        {
            string name = "nope-" + Guid.NewGuid().ToString("N");
            FrontEndParity.AssertSameErrorId("AwsResourceNotFound",
                "Get-SshKmsKeyPair -SecretId $n -PublicOnly -Region us-east-1 -EndpointUrl $e",
                new[] { "keypair", "get", "--secret-id", name, "--region", "us-east-1", "--endpoint-url", _moto.Endpoint },
                null, null, ("n", name), ("e", _moto.Endpoint));
        }

        [Fact]
        public void ATagWithoutEqualsIsSsmTargetInvalidInBoth()
        {
            string name = "rot-" + Guid.NewGuid().ToString("N");
            FrontEndParity.AssertSameErrorId("SsmTargetInvalid",
                "Invoke-SshKeyRotation -SecretId $n -TargetTag RotateSSHKeys -Region us-east-1 -EndpointUrl $e -Confirm:$false",
                new[] { "rotate", "--secret-id", name, "--ssm-tag", "RotateSSHKeys", "--region", "us-east-1", "--endpoint-url", _moto.Endpoint },
                null, null, ("n", name), ("e", _moto.Endpoint));
        }
    }
}
