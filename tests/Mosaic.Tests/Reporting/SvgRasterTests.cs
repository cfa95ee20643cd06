using Mosaic.Reporting;
using SkiaSharp;

namespace Mosaic.Tests.Reporting;

public class SvgRasterTests
{
    /// <summary>The eight bytes every PNG file starts with.</summary>
    internal static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static SKBitmap Render(SvgCanvas canvas, float scale = 2)
    {
        var png = SvgRaster.ToPng(canvas.ToString(), scale);
        Assert.Equal(PngSignature, png[..8]);
        return SKBitmap.Decode(png);
    }

    [Fact]
    public void ToPng_ShapesAndTranslatedGroup_LandWhereTheSvgPutsThem()
    {
        var canvas = new SvgCanvas("shapes", 100, 60, "shapes");
        canvas.Rect(10, 10, 20, 20, "#0072B2");
        canvas.BeginGroup(50, 0);
        canvas.Circle(20, 20, 8, "#E69F00");
        canvas.EndGroup();
        canvas.Polygon([(10, 40), (40, 40), (40, 55), (10, 55)], "#009E73", 0.5);
        canvas.Line(60, 50, 95, 50, "#000000", 4);
        using var bitmap = Render(canvas);
        Assert.Equal((200, 120), (bitmap.Width, bitmap.Height));
        Assert.Equal(new SKColor(0x00, 0x72, 0xB2), bitmap.GetPixel(40, 40)); // rect centre (20, 20) at scale 2
        Assert.Equal(SKColors.White, bitmap.GetPixel(70, 40)); // right of the rect
        Assert.Equal(new SKColor(0xE6, 0x9F, 0x00), bitmap.GetPixel(140, 40)); // circle centre (70, 20) after translate(50 0)
        var half = bitmap.GetPixel(50, 95); // 50 % green over white
        Assert.InRange(half.Red, 120, 135);
        Assert.InRange(half.Green, 200, 210);
        Assert.Equal(SKColors.Black, bitmap.GetPixel(150, 100)); // line at y = 50, 4 wide
    }

    [Fact]
    public void ToPng_Text_DrawsGlyphsWithTheAnchorAndRotation()
    {
        var canvas = new SvgCanvas("text", 200, 100, "text");
        canvas.Text(100, 30, "Mosaic", 20, "middle", "#000000", bold: true);
        canvas.Text(20, 90, "rate", 14, "middle", "#000000", rotate: -90);
        using var bitmap = Render(canvas, 1);
        int Ink(int x0, int y0, int x1, int y1)
        {
            var n = 0;
            for (var x = x0; x < x1; x++)
            {
                for (var y = y0; y < y1; y++)
                {
                    n += bitmap.GetPixel(x, y).Red < 128 ? 1 : 0;
                }
            }

            return n;
        }

        // Centred on x = 100: ink on both sides of the anchor, none far from it.
        Assert.True(Ink(70, 12, 100, 32) > 20, $"font {SvgRaster.FontFamily}");
        Assert.True(Ink(100, 12, 130, 32) > 20);
        Assert.Equal(0, Ink(150, 0, 200, 40));

        // Rotated −90° about (20, 90): the word runs upwards in a column left of x = 20.
        Assert.True(Ink(5, 60, 21, 110) > 20);
        Assert.Equal(0, Ink(30, 60, 60, 100));
    }

    [Fact]
    public void ToPng_HatchPattern_DrawsTwoShadesOfGrey()
    {
        var canvas = new SvgCanvas("hatch", 60, 60, "hatch");
        canvas.Path("M0,0L60,0L60,60L0,60Z", canvas.HatchUrl, "#555555");
        using var bitmap = Render(canvas);
        var shades = new HashSet<SKColor>();
        for (var x = 20; x < 100; x++)
        {
            shades.Add(bitmap.GetPixel(x, 60));
        }

        Assert.Contains(shades, c => c.Red is > 180 and < 200); // Palette.Missing #bdbdbd
        Assert.Contains(shades, c => c.Red < 130); // the #6e6e6e hatch lines
    }

    [Fact]
    public void ToPng_ElementOutsideTheSubset_Throws()
    {
        const string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><ellipse cx=\"5\" cy=\"5\" rx=\"2\" ry=\"3\"/></svg>";
        var error = Assert.Throws<InvalidOperationException>(() => SvgRaster.ToPng(svg));
        Assert.Contains("ellipse", error.Message, StringComparison.Ordinal);
    }
}
