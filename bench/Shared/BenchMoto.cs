// Linked into the benchmarks (Compile Include in their .csproj): one moto_server on a free
// loopback port, with dummy credentials, ended by its own PID on Dispose.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using SshKms.Core.Aws;

sealed class BenchMoto : IDisposable
{
    private readonly Process _process;

    private BenchMoto(Process process, string endpoint)
    {
        _process = process;
        Settings = new AwsSettings { Region = "us-east-1", EndpointUrl = endpoint };
    }

    public AwsSettings Settings { get; }

    private int _posts;

    /// <summary>AWS JSON-protocol requests (POSTs) moto has logged so far, once its log has caught up.</summary>
    public int PostCount
    {
        get
        {
            // The log arrives through a pipe after the response: wait until the count stops moving.
            int last;
            do
            {
                last = Volatile.Read(ref _posts);
                Thread.Sleep(300);
            }
            while (last != Volatile.Read(ref _posts));
            return last;
        }
    }

    public string Endpoint => Settings.EndpointUrl!;

    public static async Task<BenchMoto> StartAsync()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "bench");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "bench");
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        int port = FreePort();
        var process = Process.Start(new ProcessStartInfo("moto_server", $"-H 127.0.0.1 -p {port}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        // Drained, so that moto never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        var moto = new BenchMoto(process, $"http://127.0.0.1:{port}");
        // moto logs one line per request ("POST / HTTP/1.1" 200): the AWS calls a benchmark makes, counted at the peer.
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data != null && e.Data.Contains("\"POST ", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref moto._posts);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await moto.WaitUntilAnsweringAsync();
            return moto;
        }
        catch
        {
            moto.Dispose();
            throw;
        }
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private async Task WaitUntilAnsweringAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (DateTime deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline; await Task.Delay(200))
        {
            try
            {
                if ((await http.GetAsync(Endpoint + "/moto-api/")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
        }

        throw new TimeoutException("moto_server did not answer within 60 s");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }
}

static class BenchStats
{
    public static double Median(IEnumerable<double> samples)
    {
        double[] sorted = samples.OrderBy(x => x).ToArray();
        return sorted[sorted.Length / 2];
    }
}
