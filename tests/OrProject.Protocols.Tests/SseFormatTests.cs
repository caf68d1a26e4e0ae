using System.Buffers;
using System.Text;
using OrProject.Contracts.Messaging;
using OrProject.Protocols.Streaming;
namespace OrProject.Protocols.Tests;

public sealed class SseFormatTests
{
    [Fact]
    public void Write_NamedEvents_WritesEventLineDataLineAndBlankLine()
    {
        var bytes = Encode(
        [
            new SseEvent("message_start", """{"type":"message_start"}"""),
            new SseEvent("ping", """{"type":"ping"}"""),
        ]);

        Assert.Equal(
            "event: message_start\ndata: {\"type\":\"message_start\"}\n\nevent: ping\ndata: {\"type\":\"ping\"}\n\n",
            Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void Write_WithoutName_OpenAiChunk_HasNoEventLine()
    {
        var buffer = new ArrayBufferWriter<byte>();
        SseFormat.Write(buffer, null, "[DONE]");

        Assert.Equal("data: [DONE]\n\n", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void Write_DataWithLineBreaks_SplitsIntoDataLines()
    {
        var bytes = Encode([new SseEvent("x", "a\r\nb\nc")]);

        Assert.Equal("event: x\ndata: a\ndata: b\ndata: c\n\n", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void Write_NonAsciiData_IsUtf8OnTheWire()
    {
        var buffer = new ArrayBufferWriter<byte>();
        SseFormat.Write(buffer, "content_block_delta", """{"text":"héllo 👋 世界"}""");

        Assert.Equal("event: content_block_delta\ndata: {\"text\":\"héllo 👋 世界\"}\n\n", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    private static byte[] Encode(IEnumerable<SseEvent> events)
    {
        var buffer = new ArrayBufferWriter<byte>();
        SseFormat.Write(buffer, events);
        return buffer.WrittenSpan.ToArray();
    }
}
