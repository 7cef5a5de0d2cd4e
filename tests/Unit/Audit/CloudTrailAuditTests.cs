using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Audit;
using SshKms.Core.Aws;
using SshKms.Core.Keys;
using SshKms.Core.OpenSsh;
using SshKms.Tests.Infrastructure;
using Xunit;

namespace SshKms.Tests.Audit
{
    /// <summary>
    /// FAKE: moto does not serve CloudTrail LookupEvents, so this HTTP endpoint on 127.0.0.1 answers it in CloudTrail's
    /// documented JSON 1.1 shape (Events[].CloudTrailEvent is a JSON string with requestID, eventName,
    /// requestParameters.keyId, userIdentity.arn, eventTime), two events per page with NextToken. It serves the
    /// events the test gives it and records every request it gets.
    /// </summary>
    public sealed class FakeCloudTrailEndpoint : IDisposable
    {
        private readonly HttpListener _listener = new HttpListener();
        private readonly List<object> _events = new List<object>();

        public FakeCloudTrailEndpoint()
        {
            Port = FreePort.Next();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public int Port { get; }

        public string Endpoint => $"http://127.0.0.1:{Port}";

        public ConcurrentQueue<(string Target, string Authorization, JsonElement Body)> Requests { get; } = new ConcurrentQueue<(string, string, JsonElement)>();

        public void AddEvent(string eventName, string requestId, string keyArn, string caller, DateTimeOffset time)
        {
            string record = JsonSerializer.Serialize(new
            {
                eventVersion = "1.09",
                userIdentity = new { type = "AssumedRole", arn = caller },
                eventTime = time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"),
                eventSource = "kms.amazonaws.com",
                eventName,
                awsRegion = "us-east-1",
                requestParameters = new { keyId = keyArn, messageType = "RAW", signingAlgorithm = "ECDSA_SHA_256" },
                responseElements = (object?)null,
                requestID = requestId,
                eventID = Guid.NewGuid().ToString(),
                readOnly = true,
                resources = new[] { new { accountId = "123456789012", type = "AWS::KMS::Key", ARN = keyArn } },
                eventType = "AwsApiCall",
            });
            lock (_events)
            {
                _events.Add(new
                {
                    EventId = Guid.NewGuid().ToString(),
                    EventName = eventName,
                    ReadOnly = "true",
                    EventTime = time.ToUnixTimeSeconds(),
                    EventSource = "kms.amazonaws.com",
                    Username = caller.Split('/').Last(),
                    Resources = new[] { new { ResourceType = "AWS::KMS::Key", ResourceName = keyArn } },
                    CloudTrailEvent = record,
                });
            }
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException || ex is ObjectDisposedException)
                {
                    return;
                }

                using var reader = new StreamReader(context.Request.InputStream);
                JsonElement body = JsonDocument.Parse(await reader.ReadToEndAsync()).RootElement.Clone();
                string target = context.Request.Headers["X-Amz-Target"] ?? string.Empty;
                Requests.Enqueue((target, context.Request.Headers["Authorization"] ?? string.Empty, body));
                int start = body.TryGetProperty("NextToken", out JsonElement token) ? int.Parse(token.GetString()!) : 0;
                object[] page;
                bool more;
                lock (_events)
                {
                    page = _events.Skip(start).Take(2).ToArray();
                    more = start + 2 < _events.Count;
                }

                byte[] answer = Encoding.UTF8.GetBytes(target == "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"
                    ? JsonSerializer.Serialize(new { Events = page, NextToken = more ? (start + 2).ToString() : null })
                    : "{\"__type\":\"UnknownOperationException\",\"message\":\"FAKE CloudTrail serves LookupEvents only\"}");
                context.Response.StatusCode = target.EndsWith(".LookupEvents", StringComparison.Ordinal) ? 200 : 400;
                context.Response.ContentType = "application/x-amz-json-1.1";
                await context.Response.OutputStream.WriteAsync(answer);
                context.Response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }

    /// <summary>`sshkms audit cloudtrail` and the seal through a moto KMS CA key, with CloudTrail from the FAKE endpoint above.</summary>
    [Collection("aws")]
    public sealed class CloudTrailAuditTests : IDisposable
    {
        private readonly MotoServer _moto;
        private readonly TempDir _tmp = new TempDir("sshkms-cloudtrail");

        public CloudTrailAuditTests(MotoServer moto) => _moto = moto;

        public void Dispose() => _tmp.Dispose();

        [Fact]
        public async Task EachKmsSignatureOnTheCaKeyIsMatchedToItsJournalLineOrFlagged()
        {
            using var cloudTrail = new FakeCloudTrailEndpoint();
            string alias = "awskms:alias/audit-ct-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            ISigningKey key = await SigningKeys.CreateAsync(KeyUri.Parse(alias), "ECC_NIST_P256", _moto.Settings, CancellationToken.None);
            string home = _tmp.File("home");
            Directory.CreateDirectory(home);
            // KMS and STS at moto, CloudTrail at the FAKE: each service's own endpoint variable, as the SDKs read them.
            var env = new Dictionary<string, string?>
            {
                ["SSHKMS_HOME"] = home, ["AWS_ENDPOINT_URL"] = _moto.Endpoint, ["AWS_ENDPOINT_URL_CLOUDTRAIL"] = cloudTrail.Endpoint,
                ["AWS_REGION"] = MotoServer.TestRegion,
            };
            string pub = _tmp.File("id.pub");
            File.WriteAllText(pub, SshPrivateKey.Generate(SshKeyAlgorithm.Ed25519, "ct").PublicKey + "\n");
            for (int i = 0; i < 2; i++)
            {
                Tool.Result issued = Tool.Sshkms(new[] { "cert", "new", "--ca", alias, "--public-key", "-", "--principal", "alice" }, env, File.ReadAllText(pub));
                Assert.True(issued.ExitCode == 0, issued.Error);
            }

            // The seal is a KMS Sign too, through moto, and verify checks it against the KMS key.
            Tool.Result sealed_ = Tool.Sshkms(new[] { "audit", "seal", "--ca", alias }, env);
            Assert.True(sealed_.ExitCode == 0, sealed_.Error);
            Tool.Result verified = Tool.Sshkms(new[] { "audit", "verify", "--ca", alias }, env);
            Assert.True(verified.ExitCode == 0, verified.Error);
            Assert.Contains($"Seal at line 3 by {alias} {key.PublicKey.Fingerprint}: valid", verified.Output);

            var journal = new AuditJournal(Path.Combine(home, AuditJournal.DefaultFileName));
            List<string> requestIds = journal.Read().Select(r => (string)r["kmsRequestId"]!).ToList();
            Assert.Equal(3, requestIds.Distinct().Count());
            DateTimeOffset now = DateTimeOffset.UtcNow;
            const string Alice = "arn:aws:sts::123456789012:assumed-role/ops/alice";
            foreach (string id in requestIds)
            {
                cloudTrail.AddEvent("Sign", id, key.KeyArn, Alice, now.AddMinutes(-5));
            }

            cloudTrail.AddEvent("GetPublicKey", "not-a-signature", key.KeyArn, Alice, now.AddMinutes(-6));

            Tool.Result allMatched = Tool.Sshkms(new[] { "audit", "cloudtrail", "--ca", alias, "--since", "1h" }, env);
            Assert.True(allMatched.ExitCode == 0, allMatched.Error);
            string[] lines = allMatched.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(3, lines.Length);
            Assert.Contains(lines, l => l.Contains(requestIds[0]) && l.Contains("journal line 1 certificate.issued serial="));
            Assert.Contains(lines, l => l.Contains(requestIds[2]) && l.Contains("journal line 3 audit.sealed"));

            // Someone signs with the CA key outside SshKms (aws kms sign): flagged, and the command fails.
            const string Mallory = "arn:aws:iam::123456789012:user/mallory";
            cloudTrail.AddEvent("Sign", "11111111-2222-3333-4444-555555555555", key.KeyArn, Mallory, now.AddMinutes(-1));
            Tool.Result flagged = Tool.Sshkms(new[] { "audit", "cloudtrail", "--ca", alias, "--since", "1h", "--json" }, env);
            Assert.Equal(1, flagged.ExitCode);
            Assert.Contains("[AuditSignatureNotInJournal]", flagged.Error);
            var objects = flagged.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(4, objects.Count);
            JsonElement outside = Assert.Single(objects, o => !o.GetProperty("inJournal").GetBoolean());
            Assert.Equal(Mallory, outside.GetProperty("caller").GetString());
            Assert.Equal("11111111-2222-3333-4444-555555555555", outside.GetProperty("requestId").GetString());

            // What the FAKE was asked: LookupEvents by the key's ARN over the window, SigV4-signed for cloudtrail, following NextToken.
            var requests = cloudTrail.Requests.ToList();
            Assert.All(requests, r => Assert.Equal("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents", r.Target));
            Assert.All(requests, r => Assert.Contains("/us-east-1/cloudtrail/aws4_request", r.Authorization));
            JsonElement attribute = Assert.Single(requests[0].Body.GetProperty("LookupAttributes").EnumerateArray());
            Assert.Equal("ResourceName", attribute.GetProperty("AttributeKey").GetString());
            Assert.Equal(key.KeyArn, attribute.GetProperty("AttributeValue").GetString());
            Assert.InRange(now.ToUnixTimeSeconds() - requests[0].Body.GetProperty("StartTime").GetInt64(), 3590, 3700);
            Assert.Contains(requests, r => r.Body.TryGetProperty("NextToken", out _));

            // A local key has no CloudTrail.
            Tool.Result local = Tool.Sshkms(new[] { "audit", "cloudtrail", "--ca", "local:x" }, env);
            Assert.Equal(1, local.ExitCode);
            Assert.Contains("[AuditCloudTrailNeedsKmsKey]", local.Error);
        }
    }
}
