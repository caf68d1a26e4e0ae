using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>The admin API's door (issue #12 item 5, issue #15): token before body, 1 MB, JSON only, errors that say what.</summary>
[Collection(nameof(GatewayCollection))]
public sealed class AdminApiEdgeTests(GatewayFixture fixture)
{
    private const int TwoMegabytes = 2 * 1024 * 1024;

    [Fact]
    public async Task AdminApi_UnauthenticatedLargeBody_Answers401BeforeTheBodyIsSent()
    {
        var head = "POST /admin/api/keys HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
            $"Content-Length: {TwoMegabytes}\r\n\r\n";

        // 1 KB of the announced 2 MB: a server that bound the body first would still be waiting for the rest.
        var status = await FormClient.StatusBeforeBodyAsync(fixture.BaseAddress, head, bodySent: 1024);

        Assert.Equal("HTTP/1.1 401 Unauthorized", status);
    }

    [Fact]
    public async Task AdminApi_UnauthenticatedRequest_Answers401InTheAdminShape()
    {
        using var response = await fixture.Http.PostAsync("/admin/api/keys", Json("""{"name":"x","budgetUsd":1}"""));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("authentication_error", (string?)(await ErrorAsync(response))["type"]);
    }

    [Fact]
    public async Task AdminApi_AuthenticatedBodyOver1MB_Answers413InTheAdminShape()
    {
        var body = Padded("big", TwoMegabytes);

        using var response = await SendAsync(HttpMethod.Post, "/admin/api/keys", Json(body));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request_too_large", (string?)(await ErrorAsync(response))["type"]);
    }

    [Fact]
    public async Task AdminApi_BodyUnder1MB_StillAccepted()
    {
        var body = Padded("padded", 900 * 1024);

        using var response = await SendAsync(HttpMethod.Post, "/admin/api/keys", Json(body));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task AdminApi_PostWithoutJsonContentType_Answers415SayingSo()
    {
        using var content = new StringContent("""{"name":"x","budgetUsd":1}""", Encoding.UTF8, "application/x-www-form-urlencoded");

        using var response = await SendAsync(HttpMethod.Post, "/admin/api/keys", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var error = await ErrorAsync(response);
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.Contains("application/json", (string?)error["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminApi_AccountOfAnUnknownKind_Answers400SayingWhichKindsThereAre()
    {
        using var response = await SendAsync(HttpMethod.Post, "/admin/api/accounts",
            Json("{\"name\":\"g\",\"kind\":\"gemini\",\"baseUrl\":\"https://example.com\",\"apiKey\":\"k\"}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = (string?)(await ErrorAsync(response))["message"];
        Assert.StartsWith("kind: 'gemini' is not a kind this gateway speaks", message, StringComparison.Ordinal);
        Assert.Contains("anthropic", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminApi_FieldOfTheWrongType_Answers400NamingTheField()
    {
        using var response = await SendAsync(HttpMethod.Post, "/admin/api/keys", Json("""{"name":"x","budgetUsd":"ten"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ErrorAsync(response);
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.Contains("budgetUsd", (string?)error["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminApi_MalformedJson_Answers400WithAMessage()
    {
        using var response = await SendAsync(HttpMethod.Put, "/admin/api/settings", Json("""{"systemPrompt": """));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("JSON", (string?)(await ErrorAsync(response))["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminPages_FormOver1MB_Answers413()
    {
        using var form = new FormClient(fixture.BaseAddress);

        using var response = await form.PostFormAsync("/admin/signin", expectContinue: true, ("token", new string('x', TwoMegabytes)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent content)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GatewayFixture.AdminToken);
        // A refusal sent before the body is read closes the connection under a client still uploading (a broken
        // pipe, not the answer); with 100-continue the client waits for the verdict before it sends the body.
        request.Headers.ExpectContinue = true;
        return await fixture.Http.SendAsync(request);
    }

    /// <summary>A valid key request, made long by a field the endpoint ignores.</summary>
    private static string Padded(string name, int padding) => $$"""{"name":"{{name}}","budgetUsd":1,"pad":"{{new string('x', padding)}}"}""";

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<JsonObject> ErrorAsync(HttpResponseMessage response)
    {
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal("error", (string?)body["type"]);
        var error = Assert.IsType<JsonObject>(body["error"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)error["message"]));
        return error;
    }
}
