using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.SimpleSystemsManagement.Model;
using Tag = Amazon.EC2.Model.Tag;
using SshKms.Core;
using SshKms.Core.Aws;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Aws
{
    /// <summary>AWSSDK.EC2 and AWSSDK.SimpleSystemsManagement against moto: real instances, real tags, real pages.</summary>
    [Collection("aws")]
    public sealed class Ec2SsmTests
    {
        private readonly MotoServer _moto;

        public Ec2SsmTests(MotoServer moto) => _moto = moto;

        private static async Task<List<string>> RunAsync(IAmazonEC2 ec2, int count, string key, string value)
        {
            RunInstancesResponse response = await ec2.RunInstancesAsync(new RunInstancesRequest
            {
                ImageId = "ami-12c6146b",
                MinCount = count,
                MaxCount = count,
                TagSpecifications = new List<TagSpecification>
                {
                    new TagSpecification { ResourceType = ResourceType.Instance, Tags = new List<Tag> { new Tag(key, value) } },
                },
            });
            return response.Reservation.Instances.Select(i => i.InstanceId).ToList();
        }

        [Fact]
        public async Task OnlyRunningInstancesWithTheTagAreTargeted()
        {
            using var ec2 = AwsClientFactory.CreateEc2(_moto.Settings);
            string value = Guid.NewGuid().ToString("N");
            List<string> tagged = await RunAsync(ec2, 4, "RotateSSHKeys", value);
            await RunAsync(ec2, 1, "RotateSSHKeys", "other-" + value);
            await RunAsync(ec2, 1, "Unrelated", value);
            await ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = new List<string> { tagged[0] } });
            await ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = new List<string> { tagged[1] } });

            IReadOnlyList<string> found = await Ec2Instances.RunningWithTagAsync(ec2, "RotateSSHKeys", value, CancellationToken.None);
            Assert.Equal(tagged.Skip(2).OrderBy(i => i), found.OrderBy(i => i));
        }

        [Fact]
        public async Task EveryPageOfDescribeInstancesIsRead()
        {
            // moto pages DescribeInstances at 100 reservations: 101 reservations need a second page.
            using var ec2 = AwsClientFactory.CreateEc2(_moto.Settings);
            string value = Guid.NewGuid().ToString("N");
            var started = new List<string>();
            for (int i = 0; i < 101; i++)
            {
                started.AddRange(await RunAsync(ec2, 1, "RotateSSHKeys", value));
            }

            var recorder = new RecordingHttpClientFactory();
            var settings = _moto.Settings;
            settings.HttpClientFactory = recorder;
            using var recorded = AwsClientFactory.CreateEc2(settings);
            IReadOnlyList<string> found = await Ec2Instances.RunningWithTagAsync(recorded, "RotateSSHKeys", value, CancellationToken.None);
            Assert.Equal(started.OrderBy(i => i), found.OrderBy(i => i));
            Assert.True(recorder.Requests.Count >= 2, $"{recorder.Requests.Count} DescribeInstances pages");
        }

        [Fact]
        public async Task SendCommandAndGetCommandInvocationThroughTheSdk()
        {
            using var ec2 = AwsClientFactory.CreateEc2(_moto.Settings);
            string instance = (await RunAsync(ec2, 1, "Ssm", Guid.NewGuid().ToString("N")))[0];
            using var ssm = AwsClientFactory.CreateSsm(_moto.Settings);
            SendCommandResponse sent = await ssm.SendCommandAsync(new SendCommandRequest
            {
                DocumentName = "AWS-RunShellScript",
                InstanceIds = new List<string> { instance },
                Parameters = new Dictionary<string, List<string>> { ["commands"] = new List<string> { "echo hi" } },
            });
            Assert.False(string.IsNullOrEmpty(sent.Command.CommandId));
            Assert.Equal(new[] { "echo hi" }, sent.Command.Parameters["commands"]);
            GetCommandInvocationResponse invocation = await ssm.GetCommandInvocationAsync(
                new GetCommandInvocationRequest { CommandId = sent.Command.CommandId, InstanceId = instance });
            Assert.Equal("Success", invocation.Status.Value);
        }

        [Fact]
        public async Task AMissingInvocationMapsLikeTheJsonClientsMissingResource()
        {
            using var ec2 = AwsClientFactory.CreateEc2(_moto.Settings);
            List<string> instances = await RunAsync(ec2, 2, "Ssm", Guid.NewGuid().ToString("N"));
            using var ssm = AwsClientFactory.CreateSsm(_moto.Settings);
            SendCommandResponse sent = await ssm.SendCommandAsync(new SendCommandRequest
            {
                DocumentName = "AWS-RunShellScript",
                InstanceIds = new List<string> { instances[0] },
                Parameters = new Dictionary<string, List<string>> { ["commands"] = new List<string> { "true" } },
            });
            SshKmsException ex = await Assert.ThrowsAsync<SshKmsException>(() => AwsErrors.RunAsync("SSM GetCommandInvocation",
                () => ssm.GetCommandInvocationAsync(new GetCommandInvocationRequest { CommandId = sent.Command.CommandId, InstanceId = "i-0123456789abcdef0" }),
                CancellationToken.None));
            Assert.Equal("InvocationDoesNotExist", ex.AwsErrorCode);
            Assert.Equal("AwsResourceNotFound", ex.ErrorId);
        }
    }
}
