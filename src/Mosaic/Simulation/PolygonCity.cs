namespace Mosaic.Simulation;

/// <summary>A city on real district polygons (GeoJSON) with a district table (name, population, monthly_rent).</summary>
internal static class PolygonCity
{
    public static City Build(string geoJsonPath, string districtTablePath, int cells, ref Rng rng) =>
        throw new MosaicInputException(geoJsonPath, null, "real-polygon cities need Mosaic.Geography.GeoJson (not merged yet)");
}
