namespace Mosaic.Reporting;

/// <summary>Options of the report stage; defaults are the ones <c>mosaic report</c> uses.</summary>
public sealed record ReportOptions
{
    /// <summary>Default privacy threshold k (as FlowKit): aggregates of fewer subscribers are suppressed.</summary>
    public const int DefaultPrivacyK = 15;

    /// <summary>
    /// Privacy threshold for the aggregates the report computes itself (coverage by week and
    /// hour); the stages apply their own k to their tables, which the report shows as written.
    /// </summary>
    public int PrivacyK { get; init; } = DefaultPrivacyK;

    /// <summary>How many of the largest relocation flows the mitigation section lists.</summary>
    public int TopFlows { get; init; } = 20;

    /// <summary>How many of the strongest coefficients (by absolute value) per task are shown.</summary>
    public int TopCoefficients { get; init; } = 12;

    /// <summary>Upper limit on the small-multiple panels of the convergence section (one per feature).</summary>
    public int MaxFeaturePanels { get; init; } = 48;

    /// <summary>
    /// Whether every figure is also written as <c>figures/&lt;id&gt;.png</c> (drawn with SkiaSharp
    /// from the figure's SVG, at twice its size); off saves the raster time when only the HTML is wanted.
    /// </summary>
    public bool Png { get; init; } = true;

    /// <summary>Title at the top of the report.</summary>
    public string Title { get; init; } = "Mosaic report";

    /// <summary>Throws when an option is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(PrivacyK, 1, nameof(PrivacyK));
        ArgumentOutOfRangeException.ThrowIfLessThan(TopFlows, 1, nameof(TopFlows));
        ArgumentOutOfRangeException.ThrowIfLessThan(TopCoefficients, 1, nameof(TopCoefficients));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFeaturePanels, 1, nameof(MaxFeaturePanels));
        ArgumentException.ThrowIfNullOrWhiteSpace(Title, nameof(Title));
    }
}

/// <summary>How completely a report section could be drawn.</summary>
public enum SectionStatus
{
    /// <summary>Every promised input was present.</summary>
    Complete,

    /// <summary>Drawn from what exists; the section names the missing files or columns.</summary>
    Partial,

    /// <summary>The stage behind it has not run (its output folder or files are absent).</summary>
    NotRun,
}

/// <summary>One section of the report and what was missing for it.</summary>
/// <param name="Key">Anchor and short name (<c>data</c>, <c>spatial</c>, ...).</param>
/// <param name="Title">Heading.</param>
/// <param name="Status">How complete it is.</param>
/// <param name="Notes">Missing files and columns, in the words the report uses.</param>
public sealed record ReportSection(string Key, string Title, SectionStatus Status, IReadOnlyList<string> Notes);

/// <summary>What the report stage wrote.</summary>
/// <param name="ReportPath">The self-contained <c>report.html</c>.</param>
/// <param name="Figures">Every figure written (SVG), relative to the run folder, sorted.</param>
/// <param name="Tables">Every table written (CSV), relative to the run folder, sorted.</param>
/// <param name="Sections">Sections in report order with their status.</param>
/// <param name="PngWritten">True when every figure was also written as <c>figures/&lt;id&gt;.png</c> (<see cref="ReportOptions.Png"/>).</param>
/// <param name="Seconds">Wall-clock time of the stage.</param>
public sealed record ReportResult(
    string ReportPath,
    IReadOnlyList<string> Figures,
    IReadOnlyList<string> Tables,
    IReadOnlyList<ReportSection> Sections,
    bool PngWritten,
    double Seconds);
