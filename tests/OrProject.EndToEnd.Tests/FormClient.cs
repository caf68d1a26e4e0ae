using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace OrProject.EndToEnd.Tests;

/// <summary>
/// A browser as far as the server can tell: cookies kept, redirects not followed, forms posted with the page's
/// antiforgery token, and connections from a loopback address of the test's choosing (all of 127/8 is loopback
/// on Linux), so that per-address limits can be tested side by side.
/// </summary>
internal sealed partial class FormClient : IDisposable
{
    private readonly HttpClient _http;

    public FormClient(string baseAddress, IPAddress? from = null)
    {
        var local = from ?? IPAddress.Loopback;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            CookieContainer = new CookieContainer(),
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(local, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri(baseAddress) };
    }

    public Task<HttpResponseMessage> GetAsync(string path) => _http.GetAsync(path);

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => _http.SendAsync(request);

    /// <summary>GETs <paramref name="path"/> for its antiforgery token, then posts <paramref name="fields"/> with it.</summary>
    public Task<HttpResponseMessage> PostFormAsync(string path, params (string Name, string Value)[] fields) =>
        PostFormAsync(path, expectContinue: false, fields);

    /// <summary>As above; <paramref name="expectContinue"/> waits for the server's go-ahead before sending the body.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string path, bool expectContinue, params (string Name, string Value)[] fields)
    {
        var page = await _http.GetStringAsync(path);
        var token = AntiforgeryField().Match(page) is { Success: true } m
            ? m.Groups[1].Value
            : throw new InvalidOperationException($"{path} has no antiforgery token");
        var form = fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)).Append(new("__RequestVerificationToken", token));
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        request.Headers.ExpectContinue = expectContinue;
        return await _http.SendAsync(request);
    }

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// Sends <paramref name="head"/> and only the first <paramref name="bodySent"/> bytes of the body it announces,
    /// and returns the status line, or null if none came within 10 s (the server was waiting for the rest).
    /// </summary>
    public static async Task<string?> StatusBeforeBodyAsync(string baseAddress, string head, int bodySent)
    {
        var uri = new Uri(baseAddress);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(Encoding.ASCII.GetBytes(new string(' ', bodySent)));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            while (!received.ToString().Contains("\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    break;
                }

                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }

        var text = received.ToString();
        return text.Contains("\r\n", StringComparison.Ordinal) ? text[..text.IndexOf("\r\n", StringComparison.Ordinal)] : null;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
