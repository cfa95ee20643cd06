using System.Text.Json;

namespace Mosaic.Tests.Integration;

/// <summary>The stored scikit-learn/scipy reference (TestData/Integration/make_sklearn_reference.py).</summary>
internal static class SklearnReference
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "Integration", "sklearn_reference.json"))));

    public static JsonElement Root => Document.Value.RootElement;

    public static JsonElement Case(string name) =>
        Root.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    public static double[] Vector(JsonElement element) => element.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    public static int[] Labels(JsonElement element) => element.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    public static double[][] Matrix(JsonElement element) => element.EnumerateArray().Select(Vector).ToArray();
}
