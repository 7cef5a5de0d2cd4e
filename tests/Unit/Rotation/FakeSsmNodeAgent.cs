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
    /// Test-only stand-in for the SSM agents moto does not run. It sits between our SsmClient and the real
    /// moto_server: after moto records a SendCommand, it executes the recorded AWS-RunShellScript text with
    /// /bin/sh for each instance against that instance's folder (SSHKMS_AUTHORIZED_KEYS=&lt;root&gt;/&lt;id&gt;/authorized_keys),
    /// and GetCommandInvocation answers carry the real exit status and output instead of moto's fixed Success.
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

        public int CommandsRun;

        public string AuthorizedKeys(string instance) => Path.Combine(_root, instance, "authorized_keys");

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            string target = request.Headers.TryGetValues("X-Amz-Target", out var t) ? t.First() : string.Empty;
            HttpResponseMessage response = await base.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return response;
            }

            JsonNode body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
            if (target == "AmazonSSM.SendCommand")
            {
                JsonNode command = body["Command"]!;
                string script = string.Join("\n", command["Parameters"]!["commands"]!.AsArray().Select(c => c!.GetValue<string>()));
                foreach (string instance in command["InstanceIds"]!.AsArray().Select(i => i!.GetValue<string>()))
                {
                    _results[command["CommandId"]!.GetValue<string>() + "/" + instance] = Execute(instance, script);
                }
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
            string mode = script.Split('\n')[0].Substring(AuthorizedKeysScript.ModeMarker.Length);
            if (FailWhen(instance, mode))
            {
                return (1, string.Empty, "injected failure");
            }

            Directory.CreateDirectory(Path.Combine(_root, instance));
            var psi = new ProcessStartInfo("/bin/sh", new[] { "-c", script }) { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.Environment["SSHKMS_AUTHORIZED_KEYS"] = AuthorizedKeys(instance);
            using Process p = Process.Start(psi)!;
            string stdout = p.StandardOutput.ReadToEnd();
            string stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, stdout, stderr);
        }
    }

    /// <summary>Test-only: fails the first call of one Secrets Manager operation with a 500, then passes everything to moto.</summary>
    internal sealed class FakeFailOnceHandler : DelegatingHandler
    {
        private int _armed;

        public FakeFailOnceHandler()
            : base(new HttpClientHandler())
        {
        }

        public string? FailTarget { get; set; }

        public void Arm(string target)
        {
            FailTarget = target;
            _armed = 1;
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            string target = request.Headers.TryGetValues("X-Amz-Target", out var t) ? t.First() : string.Empty;
            if (target == FailTarget && Interlocked.Exchange(ref _armed, 0) == 1)
            {
                return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.InternalServerError)
                {
                    Content = new StringContent("{\"__type\":\"InternalServiceError\",\"message\":\"injected\"}"),
                });
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
