using System;
using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using SshKms.Core.Aws;
using Xunit;

namespace SshKms.Tests.Infrastructure
{
    /// <summary>
    /// A real moto_server on a free loopback port, shared by every test in the "aws" collection (which runs
    /// its classes one at a time). Call <see cref="Reset"/> at the start of a test that needs a clean account.
    /// </summary>
    public sealed class MotoServer : IDisposable
    {
        public const string TestRegion = "us-east-1";

        private readonly Process _process;

        public MotoServer()
        {
            // The SDK's credential chain must find something; moto accepts any keys.
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "testing");
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "testing");
            Environment.SetEnvironmentVariable("AWS_SESSION_TOKEN", null);
            Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
            Port = FreePort.Next();
            var psi = new ProcessStartInfo("moto_server", $"-H 127.0.0.1 -p {Port}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            _process = Process.Start(psi) ?? throw new InvalidOperationException("moto_server did not start");
            _process.OutputDataReceived += (_, _) => { };
            _process.ErrorDataReceived += (_, _) => { };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            WaitUntilReady();
        }

        public int Port { get; }

        public string Endpoint => $"http://127.0.0.1:{Port}";

        public AwsSettings Settings => new AwsSettings { Region = TestRegion, EndpointUrl = Endpoint };

        public void Reset()
        {
            using var http = new HttpClient();
            http.PostAsync(Endpoint + "/moto-api/reset", new StringContent(string.Empty)).GetAwaiter().GetResult().EnsureSuccessStatusCode();
        }

        private void WaitUntilReady()
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"moto_server exited with {_process.ExitCode}");
                }

                try
                {
                    var response = http.GetAsync(Endpoint + "/moto-api/").GetAwaiter().GetResult();
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                }
                catch (System.Threading.Tasks.TaskCanceledException)
                {
                }

                Thread.Sleep(200);
            }

            throw new TimeoutException("moto_server did not answer within 60 s");
        }

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
            }

            _process.Dispose();
        }
    }

    /// <summary>Every test class that talks to moto joins this collection.</summary>
    [CollectionDefinition("aws")]
    public sealed class AwsCollection : ICollectionFixture<MotoServer>
    {
    }

    public static class FreePort
    {
        public static int Next()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }
    }
}
