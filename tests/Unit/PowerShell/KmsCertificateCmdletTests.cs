using System;
using System.IO;
using System.Linq;
using SshKms.Core.Authority;
using SshKms.Core.OpenSsh;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.PowerShell
{
    /// <summary>The certificate cmdlets over a CA key in KMS (moto), in a real runspace; ssh-keygen reads the result.</summary>
    [Collection("aws")]
    public sealed class KmsCertificateCmdletTests
    {
        private readonly MotoServer _moto;

        public KmsCertificateCmdletTests(MotoServer moto)
        {
            _moto = moto;
        }

        [Fact]
        public void NewCaKeyInKmsThenACertificateSshKeygenReads()
        {
            using var ps = new ModuleRunspace();
            using var dir = new TempDir();
            string ca = "awskms:alias/cmdlet-ca-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            string pub = dir.File("id_ecdsa.pub");
            File.WriteAllText(pub, SshPrivateKey.Generate(SshKeyAlgorithm.EcdsaP256, "me").PublicKey + "\n");
            (string, object?)[] args = { ("ca", ca), ("e", _moto.Endpoint), ("pub", pub) };

            // -WhatIf: no KMS key behind the alias afterwards.
            RunResult whatIf = ps.Run("New-SshKmsCaKey -CaKey $ca -Region us-east-1 -EndpointUrl $e -WhatIf", args);
            Assert.Empty(whatIf.Errors);
            Assert.Empty(whatIf.Output);
            Assert.Equal("KmsKeyNotFound", ps.Run("Get-SshKmsCaPublicKey -CaKey $ca -Region us-east-1 -EndpointUrl $e", args).ErrorId);

            var info = (CaKeyInfo)Assert.Single(ps.Ok("New-SshKmsCaKey -CaKey $ca -Region us-east-1 -EndpointUrl $e", args)).BaseObject;
            Assert.StartsWith("arn:aws:kms:us-east-1:", info.KeyArn);
            string caLine = (string)Assert.Single(ps.Ok("Get-SshKmsCaPublicKey $ca -Region us-east-1 -EndpointUrl $e", args)).BaseObject;

            var cert = (SshCertificate)Assert.Single(ps.Ok("New-SshKmsCertificate -CaKey $ca -PublicKeyPath $pub -Principal ec2-user -Validity 15m -Region us-east-1 -EndpointUrl $e", args)).BaseObject;
            string listing = Tool.Check("ssh-keygen", "-L", "-f", dir.File("id_ecdsa-cert.pub"));
            Assert.Contains("Serial: " + cert.Serial, listing);
            Assert.Contains("Signing CA: ECDSA " + SshPublicKey.Parse(caLine).Fingerprint, listing);
            Assert.Contains("ec2-user", listing);
            Assert.StartsWith("sshkms:arn:aws:sts::", cert.KeyId);
        }
    }
}
