using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mosaic.Tests.Reporting;

/// <summary>
/// Debian's headless Chromium driven over the DevTools protocol (a BCL WebSocket), to load a
/// page from disk and record what a reader's browser would: console errors, exceptions,
/// network requests, failed loads; then take a screenshot.
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    public const string Executable = "/usr/bin/chromium";

    private readonly Process process;
    private readonly ClientWebSocket socket = new();
    private readonly string profile;
    private readonly Dictionary<int, TaskCompletionSource<JsonNode>> pending = [];
    private readonly List<JsonNode> events = [];
    private readonly CancellationTokenSource stop = new();
    private Task? reader;
    private int nextId;

    private HeadlessChromium(Process process, string profile)
    {
        this.process = process;
        this.profile = profile;
    }

    public static bool Available => File.Exists(Executable);

    public static async Task<HeadlessChromium> StartAsync()
    {
        var profile = Path.Combine(Path.GetTempPath(), "mosaic-chromium-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(profile);
        var info = new ProcessStartInfo(Executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--remote-debugging-port=0",
            "--user-data-dir=" + profile, "about:blank",
        })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        var chromium = new HeadlessChromium(process, profile);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string? url = null;
        while (url is null && DateTime.UtcNow < deadline)
        {
            var line = await process.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            if (line is null)
            {
                break;
            }

            var at = line.IndexOf("ws://", StringComparison.Ordinal);
            url = line.StartsWith("DevTools listening on", StringComparison.Ordinal) && at >= 0 ? line[at..].Trim() : null;
        }

        if (url is null)
        {
            await chromium.DisposeAsync();
            throw new InvalidOperationException("Chromium did not print its DevTools address");
        }

        // Keep draining stderr so that Chromium never blocks on a full pipe.
        _ = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is not null)
            {
            }
        });
        await chromium.socket.ConnectAsync(new Uri(url), CancellationToken.None);
        chromium.reader = Task.Run(chromium.ReadLoop);
        return chromium;
    }

    public IReadOnlyList<JsonNode> Events
    {
        get
        {
            lock (events)
            {
                return [.. events];
            }
        }
    }

    public async Task<JsonNode> SendAsync(string method, object? parameters = null, string? session = null)
    {
        int id;
        var done = new TaskCompletionSource<JsonNode>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (pending)
        {
            id = ++nextId;
            pending[id] = done;
        }

        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = JsonSerializer.SerializeToNode(parameters ?? new { }) };
        if (session is not null)
        {
            message["sessionId"] = session;
        }

        await socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        var reply = await done.Task.WaitAsync(TimeSpan.FromSeconds(60));
        if (reply["error"] is JsonNode error)
        {
            throw new InvalidOperationException($"{method}: {error.ToJsonString()}");
        }

        return reply["result"]!;
    }

    public async Task WaitForEventAsync(string method, string session, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Events.Any(e => (string?)e["method"] == method && (string?)e["sessionId"] == session))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no {method} within {timeout}");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
            }
        }
        catch (Exception e) when (e is WebSocketException or TimeoutException or OperationCanceledException)
        {
        }

        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        process.Dispose();
        socket.Dispose();
        stop.Dispose();
        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task ReadLoop()
    {
        var buffer = new byte[1 << 16];
        var message = new MemoryStream();
        try
        {
            while (!stop.IsCancellationRequested && socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer, stop.Token);
                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                var node = JsonNode.Parse(message.ToArray())!;
                message.SetLength(0);
                if (node["id"] is JsonNode idNode)
                {
                    TaskCompletionSource<JsonNode>? done;
                    lock (pending)
                    {
                        pending.Remove((int)idNode, out done);
                    }

                    done?.TrySetResult(node);
                }
                else
                {
                    lock (events)
                    {
                        events.Add(node);
                    }
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }
    }
}
