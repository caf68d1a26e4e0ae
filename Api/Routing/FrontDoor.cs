using System.Net;
using System.Text;
using Marten;
using OrProject.Projections.Accounts;

namespace OrProject.Api.Routing;

/// <summary>
/// <c>GET /</c>: what a newcomer who opens the gateway's address in a browser needs — its name, where the usage page
/// and the admin panel are, the base URLs to paste into clients, and whether the built-in simulator is answering
/// (it is not a model, and it charges real prices). No sign-in: nothing here is secret. <c>HEAD /</c> stays the
/// bare 200 Claude Code's connectivity probe expects.
/// </summary>
internal static class FrontDoor
{
    public static async Task<IResult> GetAsync(HttpContext context, IQuerySession session, TimeProvider clock)
    {
        var accounts = await session.Query<UpstreamAccount>().ToListAsync(context.RequestAborted);
        var now = clock.GetUtcNow();
        var active = accounts.Where(a => a.StatusAt(now) == AccountStatus.Active).ToList();
        var simulator = active.Count > 0 && active.All(a => a.Kind == AccountKinds.Simulator);
        var origin = $"{context.Request.Scheme}://{context.Request.Host}";
        var html = new StringBuilder();
        html.Append("""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
            <title>OrProject gateway</title>
            <style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1d2430}
            code{background:#f1f3f6;padding:.1rem .3rem;border-radius:3px}pre{background:#f1f3f6;padding:.75rem;overflow:auto}
            .note{border-left:4px solid #c9821b;background:#fdf6ea;padding:.5rem .75rem}</style></head><body>
            <h1>OrProject gateway</h1>
            <p>An LLM API gateway: Anthropic's Messages API and OpenAI's Chat Completions and Responses APIs, with keys and budgets.</p>
            <ul><li><a href="/usage">Your usage</a> (sign in with your API key)</li><li><a href="/admin">Admin panel</a> (operators)</li></ul>
            <h2>Point your client here</h2>
            """);
        html.Append("<pre>").Append(Encode($"""
            # Claude Code, Anthropic SDKs
            export ANTHROPIC_BASE_URL={origin}
            export ANTHROPIC_API_KEY=sk-orp-...

            # OpenAI SDKs, Codex, OpenCode, Aider
            export OPENAI_BASE_URL={origin}/v1
            export OPENAI_API_KEY=sk-orp-...
            """)).Append("</pre>");
        html.Append("<p>Models: <code>GET ").Append(Encode(origin)).Append("/v1/models</code> with your key. Keys come from the gateway's operator.</p>");
        html.Append(simulator
            ? "<p class=\"note\" data-testid=\"simulator\"><strong>The built-in simulator is answering.</strong> No upstream model is configured, so every " +
              "request gets a short canned reply — and is charged at the model's real price against your key's budget.</p>"
            : active.Count == 0
                ? "<p class=\"note\" data-testid=\"no-accounts\"><strong>No upstream account is active.</strong> Requests will fail until an operator adds or enables one.</p>"
                : "<p data-testid=\"upstreams\">" + active.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) + " upstream account(s) active.</p>");
        html.Append("</body></html>");
        return Results.Content(html.ToString(), "text/html; charset=utf-8");
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
