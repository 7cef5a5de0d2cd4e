using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Amazon.EC2;
using Amazon.EC2.Model;

namespace SshKms.Core.Aws
{
    /// <summary>Which EC2 instances carry a tag, by EC2 DescribeInstances (needs ec2:DescribeInstances).</summary>
    internal static class Ec2Instances
    {
        /// <summary>
        /// The ids of the running EC2 instances tagged KEY=VALUE, every page read. Only running instances can run a
        /// command: a pending one has no SSM agent yet, and stopped or terminated ones never answer, so listing them
        /// would only turn into "not reached" nodes.
        /// </summary>
        public static async Task<IReadOnlyList<string>> RunningWithTagAsync(IAmazonEC2 ec2, string key, string value, CancellationToken cancellationToken)
        {
            var ids = new List<string>();
            string? page = null;
            do
            {
                var request = new DescribeInstancesRequest
                {
                    Filters = new List<Filter>
                    {
                        new Filter("tag:" + key, new List<string> { value }),
                        new Filter("instance-state-name", new List<string> { InstanceStateName.Running.Value }),
                    },
                    NextToken = page,
                };
                DescribeInstancesResponse response = await AwsErrors.RunAsync($"EC2 DescribeInstances for the tag {key}={value}",
                    () => ec2.DescribeInstancesAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);
                foreach (Reservation reservation in response.Reservations ?? new List<Reservation>())
                {
                    foreach (Instance instance in reservation.Instances ?? new List<Instance>())
                    {
                        if (!string.IsNullOrEmpty(instance.InstanceId) && !ids.Contains(instance.InstanceId))
                        {
                            ids.Add(instance.InstanceId);
                        }
                    }
                }

                page = string.IsNullOrEmpty(response.NextToken) ? null : response.NextToken;
            }
            while (page != null);

            return ids;
        }
    }
}
