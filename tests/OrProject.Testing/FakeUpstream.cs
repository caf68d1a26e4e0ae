using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OrProject.Testing;

/// <summary>A request the fake upstream received: path, headers and body as sent.</summary>
public sealed record UpstreamRequest(string Path, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>
/// The model API, faked on real Kestrel at 127.0.0.1:0 so flushing and aborts behave for real. Each test scripts
/// <see cref="Respond"/>; every request is recorded. Anything under <c>/v1/…</c> is answered.
/// </summary>
public sealed class FakeUpstream : IAsyncDisposable
{
    private WebApplication? _app;

    public string BaseAddress { get; private set; } = "";

    public ConcurrentQueue<UpstreamRequest> Requests { get; } = new();

    /// <summary>What the upstream does; a plain Anthropic text stream by default.</summary>
    public Func<HttpContext, UpstreamRequest, Task> Respond { get; set; } = (ctx, _) => FakeAnthropic.WriteTextAsync(ctx, ["Hel", "lo"]);

    /// <summary>
    /// Whether <c>/v1/messages</c> requests that break <see cref="AnthropicRules"/> get Anthropic's 400 instead of the
    /// script, as the real API would answer them. On by default and after <see cref="Reset"/>.
    /// </summary>
    public bool EnforceAnthropicRules { get; set; } = true;

    /// <summary>Set when a scripted stream saw its client (the worker) disconnect.</summary>
    public TaskCompletionSource Aborted { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.Map("/{**path}", async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
            var request = new UpstreamRequest(context.Request.Path, headers, body);
            Requests.Enqueue(request);
            // Captured now: a request left over from an earlier test must not complete the current test's signal.
            var aborted = Aborted;
            context.RequestAborted.Register(() => aborted.TrySetResult());
            if (EnforceAnthropicRules && request.Path.EndsWith("/v1/messages", StringComparison.Ordinal) &&
                AnthropicRules.Check(body) is { } refusal)
            {
                await FakeAnthropic.WriteErrorAsync(context, 400, "invalid_request_error", refusal);
                return;
            }

            await Respond(context, request);
        });
        await _app.StartAsync();
        BaseAddress = _app.Urls.Single();
    }

    /// <summary>Forgets recorded requests and restores the default script between tests.</summary>
    public void Reset()
    {
        Requests.Clear();
        EnforceAnthropicRules = true;
        Aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Respond = (ctx, _) => FakeAnthropic.WriteTextAsync(ctx, ["Hel", "lo"]);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
