using System.Globalization;

namespace Mosaic.Reporting;

/// <summary>
/// Colour-blind-safe colour scales. Viridis (sequential) is sampled from matplotlib's
/// published anchor colours; the diverging scale runs blue → light grey → orange (distinct
/// under deuteranopia and protanopia); groups use the Okabe–Ito categorical palette.
/// </summary>
internal static class Palette
{
    /// <summary>Grey for missing values and suppressed cells (drawn hatched on maps).</summary>
    public const string Missing = "#bdbdbd";

    // matplotlib viridis at t = 0, 0.125, ..., 1.
    private static readonly string[] ViridisAnchors =
        ["#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725"];

    // Blue (negative) to orange (positive) through a neutral light grey.
    private static readonly string[] DivergingAnchors =
        ["#2166ac", "#67a9cf", "#d1e5f0", "#f2f2f2", "#fee0b6", "#f1a340", "#b35806"];

    /// <summary>Okabe–Ito colours for categorical series, in order.</summary>
    public static IReadOnlyList<string> Categorical { get; } =
        ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];

    /// <summary>Viridis at <paramref name="t"/> in [0, 1] (clamped; NaN → <see cref="Missing"/>).</summary>
    public static string Viridis(double t) => Interpolate(ViridisAnchors, t);

    /// <summary>The diverging scale at <paramref name="t"/> in [−1, 1] (clamped), 0 neutral.</summary>
    public static string Diverging(double t) => Interpolate(DivergingAnchors, (t + 1) / 2);

    /// <summary>The categorical colour of a series index (cycling).</summary>
    public static string Series(int index) => Categorical[index % Categorical.Count];

    private static string Interpolate(string[] anchors, double t)
    {
        if (double.IsNaN(t))
        {
            return Missing;
        }

        t = Math.Clamp(t, 0, 1) * (anchors.Length - 1);
        var i = Math.Min((int)Math.Floor(t), anchors.Length - 2);
        var f = t - i;
        var (r0, g0, b0) = Rgb(anchors[i]);
        var (r1, g1, b1) = Rgb(anchors[i + 1]);
        return string.Create(CultureInfo.InvariantCulture, $"#{Mix(r0, r1, f):x2}{Mix(g0, g1, f):x2}{Mix(b0, b1, f):x2}");
    }

    private static int Mix(int a, int b, double f) => (int)Math.Round(a + ((b - a) * f), MidpointRounding.AwayFromZero);

    private static (int R, int G, int B) Rgb(string hex) =>
        (int.Parse(hex.AsSpan(1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
         int.Parse(hex.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
         int.Parse(hex.AsSpan(5, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
}
