using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Sessions;
using SshKms.PowerShell;
using SshKms.PowerShell.Sessions;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Sessions
{
    [Collection("sessions")]
    public sealed class SessionCmdletTests : IDisposable
    {
        private readonly InMemoryCertificateMinter _minter = new InMemoryCertificateMinter();
        private readonly TempDir _tmp = new TempDir("sshkms-cmdlet-session");

        private static CustomAttributeData Attribute<T>(MemberInfo member) => member.GetCustomAttributesData().Single(a => a.AttributeType == typeof(T));

        private static object? Named(CustomAttributeData a, string name) => a.NamedArguments.SingleOrDefault(n => n.MemberName == name).TypedValue.Value;

        [Fact]
        public void InvokeSshKmsSessionHasTheDocumentedSurface()
        {
            Type t = typeof(InvokeSshKmsSessionCommand);
            Assert.True(typeof(SshKmsAwsCmdlet).IsAssignableFrom(t));
            CustomAttributeData cmdlet = Attribute<CmdletAttribute>(t);
            Assert.Equal(new object[] { "Invoke", "SshKmsSession" }, cmdlet.ConstructorArguments.Select(a => a.Value));
            Assert.Equal(typeof(SshSessionResult), ((IEnumerable<CustomAttributeTypedArgument>)Attribute<OutputTypeAttribute>(t).ConstructorArguments[0].Value!).Single().Value);

            PropertyInfo host = t.GetProperty("HostName")!;
            Assert.Equal(typeof(string[]), host.PropertyType);
            CustomAttributeData p = Attribute<ParameterAttribute>(host);
            Assert.Equal(true, Named(p, "ValueFromPipeline"));
            Assert.Equal(true, Named(p, "ValueFromPipelineByPropertyName"));
            Assert.Equal(new[] { "ComputerName", "Host" }, ((IEnumerable<CustomAttributeTypedArgument>)Attribute<AliasAttribute>(host).ConstructorArguments[0].Value!).Select(a => (string)a.Value!));
            foreach (string name in new[] { "UserName", "Port", "CaKey", "SecretId", "Command", "Validity", "KeyType", "ThrottleLimit", "SshOption", "AcceptNewHostKey", "Region", "ProfileName", "EndpointUrl" })
            {
                Assert.NotNull(t.GetProperty(name)!.GetCustomAttributesData().SingleOrDefault(a => a.AttributeType == typeof(ParameterAttribute)));
            }

            Assert.Equal(TimeSpan.FromMinutes(5), new InvokeSshKmsSessionCommand().BuildOptions().Validity);
            Assert.Equal(TimeSpan.FromMinutes(15), new InvokeSshKmsSessionCommand { Validity = "15m" }.BuildOptions().Validity);
            Assert.Equal(new[] { "EcdsaP256", "Ed25519" },
                ((IEnumerable<CustomAttributeTypedArgument>)Attribute<ValidateSetAttribute>(t.GetProperty("KeyType")!).ConstructorArguments[0].Value!).Select(a => (string)a.Value!));
        }

        [Fact]
        public void CopySshKmsItemChangesStateSoSupportsShouldProcess()
        {
            CustomAttributeData cmdlet = Attribute<CmdletAttribute>(typeof(CopySshKmsItemCommand));
            Assert.Equal(new object[] { "Copy", "SshKmsItem" }, cmdlet.ConstructorArguments.Select(a => a.Value));
            Assert.Equal(true, Named(cmdlet, "SupportsShouldProcess"));
            Assert.NotNull(Attribute<OutputTypeAttribute>(typeof(CopySshKmsItemCommand)));
        }

        [Fact]
        public void BothCmdletsAreExportedAndDocumented()
        {
            string root = FindRepoRoot();
            string manifest = File.ReadAllText(Path.Combine(root, "SshKms.psd1"));
            foreach (string name in new[] { "Invoke-SshKmsSession", "Copy-SshKmsItem" })
            {
                Assert.Contains($"'{name}'", manifest);
                string doc = File.ReadAllText(Path.Combine(root, "docs", "cmdlets", name + ".md"));
                Type t = name.StartsWith("Invoke") ? typeof(InvokeSshKmsSessionCommand) : typeof(CopySshKmsItemCommand);
                foreach (PropertyInfo prop in t.GetProperties().Where(pr => pr.GetCustomAttributesData().Any(a => a.AttributeType == typeof(ParameterAttribute))))
                {
                    Assert.Contains($"### -{prop.Name}\n", doc.Replace("\r", string.Empty));
                }
            }
        }

        [Fact]
        public async Task RunsOnHostsAndReportsFailuresAsErrorRecordsWithTheirIds()
        {
            using var server = new SshdServer(trustedUserCaKeys: new[] { _minter.CaPublicKeyLine });
            string config = _tmp.File("config");
            File.WriteAllText(config, $"Host good\n  HostName 127.0.0.1\n  Port {server.Port}\nHost dead\n  HostName 127.0.0.1\n  Port {FreePort.Next()}\n");
            var cmdlet = new InvokeSshKmsSessionCommand
            {
                HostName = new[] { "good", "dead" },
                Command = "id -un",
                UserName = SshdServer.CurrentUser,
                KeyType = "Ed25519",
                Validity = TimeSpan.FromMinutes(2),
                ConfigFile = config,
                SshOption = new Hashtable { ["UserKnownHostsFile"] = server.KnownHostsPath },
            };
            var reported = new List<SshSessionResult>();
            IReadOnlyList<SshSessionResult> results = await cmdlet.InvokeAsync(cmdlet.HostName, _minter.IssueAsync, reported.Add, CancellationToken.None);

            Assert.Equal(2, reported.Count);
            Assert.Equal(SshdServer.CurrentUser + "\n", results[0].Output);
            Assert.Null(results[0].ToException());
            Assert.Equal(120UL, _minter.Issued[0].ValidBefore - _minter.Issued[0].ValidAfter);
            Assert.Equal("ssh-ed25519", _minter.Issued[0].Key.KeyType);
            // PowerShellStandard's ErrorRecord is a stub at run time: check what the cmdlet feeds into it.
            SshKms.Core.SshKmsException error = results[1].ToException()!;
            Assert.Equal("HostUnreachable", error.ErrorId);
            Assert.Equal(ErrorCategory.ConnectionError, SshKmsCmdlet.ToCategory(error.Category));
            Assert.StartsWith("dead: ", error.Message);
        }

        [Fact]
        public async Task CopyItemCopiesFromTheHost()
        {
            using var server = new SshdServer(trustedUserCaKeys: new[] { _minter.CaPublicKeyLine }, extraConfig: new[] { "Subsystem sftp internal-sftp" });
            File.WriteAllText(_tmp.File("remote.txt"), "from-host");
            var cmdlet = new CopySshKmsItemCommand
            {
                Path = new[] { "127.0.0.1:" + _tmp.File("remote.txt") },
                Destination = _tmp.File("local.txt"),
                UserName = SshdServer.CurrentUser,
                Port = server.Port,
                ConfigFile = "/dev/null",
                SshOption = new Hashtable { ["UserKnownHostsFile"] = server.KnownHostsPath },
            };
            SshSessionResult r = await cmdlet.CopyAsync(_minter.IssueAsync, CancellationToken.None);
            Assert.True(r.Succeeded, r.ErrorMessage + r.Error);
            Assert.Equal("from-host", File.ReadAllText(_tmp.File("local.txt")));
        }

        private static string FindRepoRoot()
        {
            string? dir = AppContext.BaseDirectory;
            while (dir != null && !File.Exists(Path.Combine(dir, "SshKms.psd1")))
            {
                dir = Path.GetDirectoryName(dir);
            }

            return dir ?? throw new InvalidOperationException("repository root not found");
        }

        public void Dispose()
        {
            _minter.Dispose();
            _tmp.Dispose();
        }
    }
}
