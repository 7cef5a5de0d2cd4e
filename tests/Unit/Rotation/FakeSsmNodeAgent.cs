using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Rotation;

namespace SshKms.Tests.Rotation
{
    /// <summary>
    /// Test-only stand-in for the SSM agents moto does not run. It sits between the AWSSDK SSM client (through
    /// <see cref="SshKms.Tests.Aws.HandlerHttpClientFactory"/>) and the real moto_server: after moto records a SendCommand, it executes the recorded AWS-RunShellScript text with
    /// /bin/sh for each instance against that instance's folder (SSHKMS_AUTHORIZED_KEYS=&lt;root&gt;/&lt;id&gt;/authorized_keys),
    /// and GetCommandInvocation answers carry the real exit status and output instead of moto's fixed Success.
    /// SendCommand behaves as on real SSM where moto differs: a command by id runs on exactly those ids (moto adds
    /// every EC2 instance it knows), and one by Targets answers with no InstanceIds (moto lists those it resolved).
    /// <see cref="FailWhen"/> makes a node fail (exit 1, file untouched) for a given script mode.
    /// </summary>
    internal sealed class FakeSsmNodeAgent : DelegatingHandler
    {
        private readonly string _root;
        private readonly ConcurrentDictionary<string, (int Code, string Out, string Err)> _results = new ConcurrentDictionary<string, (int, string, string)>();

        public FakeSsmNodeAgent(string root)
            : base(new HttpClientHandler())
        {
            _root = root;
        }

        /// <summary>(instance, mode) -> whether this node fails this run.</summary>
        public Func<string, string, bool> FailWhen { get; set; } = (_, _) => false;

        /// <summary>The script finds authorized_keys from the user it was given, as on a real host (<see cref="FakeNode.Run"/>).</summary>
        public bool ResolveByUser { get; set; }

        /// <summary>instance -> how many GetCommandInvocation polls of each command answer InvocationDoesNotExist first, as real SSM does at the start.</summary>
        public Func<string, int> MissingPolls { get; set; } = _ => 0;

        /// <summary>Runs after each SendCommand's scripts, with the number of SendCommands so far.</summary>
        public Func<int, Task> AfterSendCommand { get; set; } = _ => Task.CompletedTask;

        public int CommandsRun;

        public int SendCommands;

        private readonly ConcurrentDictionary<string, int> _polls = new ConcurrentDictionary<string, int>();

        public string AuthorizedKeys(string instance) => FakeNode.AuthorizedKeys(_root, instance);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            string target = request.Headers.TryGetValues("X-Amz-Target", out var t) ? t.First() : string.Empty;
            if (target == "AmazonSSM.GetCommandInvocation")
            {
                JsonNode asked = JsonNode.Parse(await request.Content!.ReadAsStringAsync(cancellationToken))!;
                string instanceId = asked["InstanceId"]!.GetValue<string>();
                if (_polls.AddOrUpdate(asked["CommandId"]!.GetValue<string>() + "/" + instanceId, 1, (_, n) => n + 1) <= MissingPolls(instanceId))
                {
                    return new HttpResponseMessage(System.Net.HttpStatusCode.BadRequest)
                    {
                        Content = new StringContent("{\"__type\":\"InvocationDoesNotExist\"}", Encoding.UTF8, "application/x-amz-json-1.1"),
                    };
                }
            }

            string? sent = target == "AmazonSSM.SendCommand" ? await request.Content!.ReadAsStringAsync(cancellationToken) : null;
            HttpResponseMessage response = await base.SendAsync(request, cancellationToken);
            // Other services' calls on the same client settings (EC2 by tag, in XML) pass through as moto answered them.
            if (!response.IsSuccessStatusCode || !target.StartsWith("AmazonSSM.", StringComparison.Ordinal))
            {
                return response;
            }

            JsonNode body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
            if (target == "AmazonSSM.SendCommand")
            {
                JsonNode command = body["Command"]!;
                string script = string.Join("\n", command["Parameters"]!["commands"]!.AsArray().Select(c => c!.GetValue<string>()));
                JsonArray? askedIds = JsonNode.Parse(sent!)!["InstanceIds"] as JsonArray;
                string[] runOn = (askedIds ?? command["InstanceIds"]!.AsArray()).Select(i => i!.GetValue<string>()).ToArray();
                command["InstanceIds"] = new JsonArray((askedIds == null ? new string[0] : runOn).Select(i => (JsonNode?)JsonValue.Create(i)).ToArray());
                foreach (string instance in runOn)
                {
                    _results[command["CommandId"]!.GetValue<string>() + "/" + instance] = Execute(instance, script);
                }

                await AfterSendCommand(Interlocked.Increment(ref SendCommands));
            }
            else if (target == "AmazonSSM.GetCommandInvocation")
            {
                if (_results.TryGetValue(body["CommandId"]!.GetValue<string>() + "/" + body["InstanceId"]!.GetValue<string>(), out var r))
                {
                    body["Status"] = r.Code == 0 ? "Success" : "Failed";
                    body["ResponseCode"] = r.Code;
                    body["StandardOutputContent"] = r.Out;
                    body["StandardErrorContent"] = r.Err;
                }

                return new HttpResponseMessage(response.StatusCode) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/x-amz-json-1.1") };
            }

            return new HttpResponseMessage(response.StatusCode) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/x-amz-json-1.1") };
        }

        private (int, string, string) Execute(string instance, string script)
        {
            Interlocked.Increment(ref CommandsRun);
            return FakeNode.Run(_root, instance, script, FailWhen, ResolveByUser);
        }
    }

    /// <summary>Test-only: one node is a folder; the script runs with /bin/sh against its authorized_keys.</summary>
    internal static class FakeNode
    {
        public static string AuthorizedKeys(string root, string node) => Path.Combine(root, node, "authorized_keys");

        /// <summary>With resolveByUser: USER's file, in the home the getent shim gives USER on this node.</summary>
        public static string UserAuthorizedKeys(string root, string node, string user) => Path.Combine(root, node, "home-" + user, ".ssh", "authorized_keys");

        /// <summary>With resolveByUser: every user the script looked up on this node, in order.</summary>
        public static string GetentLog(string root, string node) => Path.Combine(root, node, "getent.log");

        /// <summary>The authorized_keys script's mode; "" for another node script (trust set).</summary>
        public static string ModeOf(string script) =>
            script.StartsWith(AuthorizedKeysScript.ModeMarker, StringComparison.Ordinal) ? script.Split('\n')[0].Substring(AuthorizedKeysScript.ModeMarker.Length) : string.Empty;

        /// <summary>
        /// Runs the script for one node. Normally SSHKMS_AUTHORIZED_KEYS points it at the node's file. With resolveByUser
        /// it is unset, and the script resolves the file as on a real host: a user's from `getent passwd USER` (a shim on
        /// PATH answers home-USER in the node's folder and logs the lookup), no user's from HOME (home-root, the SSM agent's).
        /// </summary>
        public static (int Code, string Out, string Err) Run(string root, string node, string script, Func<string, string, bool> failWhen, bool resolveByUser = false)
        {
            if (failWhen(node, ModeOf(script)))
            {
                return (1, string.Empty, "injected failure");
            }

            Directory.CreateDirectory(Path.Combine(root, node));
            var psi = new ProcessStartInfo("/bin/sh", new[] { "-c", script }) { RedirectStandardOutput = true, RedirectStandardError = true };
            if (resolveByUser)
            {
                psi.Environment["PATH"] = GetentShim(root) + ":" + Environment.GetEnvironmentVariable("PATH");
                psi.Environment["HOME"] = Path.Combine(root, node, "home-root");
                psi.Environment["SSHKMS_FAKE_NODE"] = Path.Combine(root, node);
            }
            else
            {
                psi.Environment["SSHKMS_AUTHORIZED_KEYS"] = AuthorizedKeys(root, node);
            }

            using Process p = Process.Start(psi)!;
            string stdout = p.StandardOutput.ReadToEnd();
            string stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, stdout, stderr);
        }

        private static string GetentShim(string root)
        {
            string bin = Path.Combine(root, ".bin");
            string getent = Path.Combine(bin, "getent");
            lock (typeof(FakeNode))
            {
                if (!File.Exists(getent))
                {
                    Directory.CreateDirectory(bin);
                    File.WriteAllText(getent, "#!/bin/sh\n[ \"$1\" = passwd ] && [ -n \"$2\" ] || exit 2\n"
                        + "echo \"$2\" >> \"$SSHKMS_FAKE_NODE/getent.log\"\necho \"$2:x:65534:65534::$SSHKMS_FAKE_NODE/home-$2:/bin/sh\"\n");
                    File.SetUnixFileMode(getent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
            }

            return bin;
        }
    }

    /// <summary>
    /// Test-only distributor that edits node folders directly (no SSM in between) and checks an invariant after
    /// every run of the script, so the fault matrix can assert "every node accepts AWSCURRENT" between steps.
    /// </summary>
    internal sealed class FakeFolderDistributor : INodeDistributor
    {
        private readonly string _root;
        private readonly IReadOnlyList<string> _nodes;

        public FakeFolderDistributor(string root, IReadOnlyList<string> nodes)
        {
            _root = root;
            _nodes = nodes;
        }

        public Func<string, string, bool> FailWhen { get; set; } = (_, _) => false;

        public Func<Task> AfterEachRun { get; set; } = () => Task.CompletedTask;

        public int InvariantChecks;

        /// <summary>The user each rotation prepared this distributor with.</summary>
        public List<string> PreparedUsers { get; } = new List<string>();

        public Task PrepareAsync(string userName, CancellationToken cancellationToken)
        {
            PreparedUsers.Add(userName);
            return Task.CompletedTask;
        }

        public async Task<IReadOnlyList<NodeOutcome>> RunAsync(string script, CancellationToken cancellationToken)
        {
            var outcomes = await Task.WhenAll(_nodes.Select(n => Task.Run(() =>
            {
                var r = FakeNode.Run(_root, n, script, FailWhen);
                return new NodeOutcome(n, r.Code == 0, r.Code == 0 ? r.Out : r.Err, r.Code);
            })));
            await AfterEachRun();
            Interlocked.Increment(ref InvariantChecks);
            return outcomes;
        }

        public Task<IReadOnlyList<NodeOutcome>> TestAsync(KeyPairSecret pending, string checkScript, CancellationToken cancellationToken) =>
            RunAsync(checkScript, cancellationToken);
    }

    /// <summary>
    /// Test-only: fails one call of one Secrets Manager operation with a 500 on every attempt the client's standard
    /// retries make (<see cref="SshKms.Core.Aws.AwsStandardRetry.MaxAttempts"/>), then passes everything to moto.
    /// Every request's X-Amz-Target and JSON body is kept in <see cref="Requests"/>, as it went over the wire.
    /// </summary>
    internal sealed class FakeFailOnceHandler : DelegatingHandler
    {
        private readonly ConcurrentQueue<(string Target, JsonNode? Body)> _requests = new ConcurrentQueue<(string, JsonNode?)>();
        private int _armed;

        public FakeFailOnceHandler()
            : base(new HttpClientHandler())
        {
        }

        public string? FailTarget { get; set; }

        public IReadOnlyList<(string Target, JsonNode? Body)> Requests => _requests.ToList();

        public void Arm(string target)
        {
            FailTarget = target;
            _armed = SshKms.Core.Aws.AwsStandardRetry.MaxAttempts;
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            string target = request.Headers.TryGetValues("X-Amz-Target", out var t) ? t.First() : string.Empty;
            string body = request.Content == null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
            _requests.Enqueue((target, body.Length > 0 ? JsonNode.Parse(body) : null));
            if (target == FailTarget && Interlocked.Decrement(ref _armed) >= 0)
            {
                return new HttpResponseMessage(System.Net.HttpStatusCode.InternalServerError)
                {
                    Content = new StringContent("{\"__type\":\"InternalServiceError\",\"message\":\"injected\"}"),
                };
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
