using System.Text;
using Mosaic.Indicators;

namespace Mosaic.Tests.Indicators;

public class BandicootReaderTests
{
    [Theory]
    [InlineData("")]
    [InlineData(",")]
    [InlineData("text,out,c0_0,2026-01-05 00:52:26,,378")]
    [InlineData("call,in,c0_0,2026-01-05 04:55:58,3,319,,")]
    [InlineData("a,b,c,d,e,f,g,h,i,j,k,l")]
    public void SplitUnquoted_LineWithoutQuotes_SameFieldsAsSplit(string text)
    {
        var line = Encoding.UTF8.GetBytes(text);
        foreach (var capacity in new[] { 3, 9, 64 })
        {
            var expected = new Range[capacity];
            var actual = new Range[capacity];
            var count = BandicootReader.Split(line, (byte)',', expected);
            Assert.Equal(count, BandicootReader.SplitUnquoted(line, actual));
            Assert.Equal(expected[..count], actual[..count]);
        }
    }

    [Theory]
    [InlineData("\"text\",out,c0_0")]
    [InlineData("text,out,\"c0,0\"")]
    [InlineData("text,out,c0\"0")]
    [InlineData("a,b,c,d,\"e\"")] // the quote is past the fields asked for: still a quoted line
    public void SplitUnquoted_LineWithAQuote_MinusOne(string text) =>
        Assert.Equal(-1, BandicootReader.SplitUnquoted(Encoding.UTF8.GetBytes(text), new Range[3]));

    [Fact]
    public void ParseUser_QuotedAndPlainRows_SameRecords()
    {
        const string Header = "interaction,direction,correspondent_id,datetime,call_duration,antenna_id\n";
        var plain = Header + "call,in,c0_0,2026-01-05 04:55:58,3,319\ntext,out,c1,2026-01-06 10:00:00,,7\n";
        var quoted = Header + "\"call\",in,c0_0,2026-01-05 04:55:58,\"3\",319\ntext,out,\"c1\",2026-01-06 10:00:00,,7\n";
        var a = BandicootReader.ParseUser("a", Encoding.UTF8.GetBytes(plain), "u", null, RecordFormat.Bandicoot);
        var b = BandicootReader.ParseUser("b", Encoding.UTF8.GetBytes(quoted), "u", null, RecordFormat.Bandicoot);
        Assert.Equal(2, a.Records.Length);
        Assert.Equal(a.Records, b.Records);
        Assert.Equal(["c0_0", "c1"], b.Contacts);
        Assert.Equal(a.Contacts, b.Contacts);
    }
}
