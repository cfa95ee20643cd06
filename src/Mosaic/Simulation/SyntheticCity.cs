using System.Globalization;
using NetTopologySuite.Geometries;
using NetTopologySuite.Triangulate;

namespace Mosaic.Simulation;

/// <summary>
/// A synthetic city: districts are Voronoi cells of seeds in a disc of 30 km radius, denser at
/// the centre; population density and rent fall with distance from the centre (with noise);
/// cells per district follow population.
/// </summary>
internal static class SyntheticCity
{
    public const double RadiusKm = 30;

    /// <summary>Centre of the fictional city (an arbitrary point on land, chosen to look like a real city's coordinates).</summary>
    public const double CentreLat = 41.0;

    /// <summary>Centre longitude.</summary>
    public const double CentreLon = 29.0;

    public static City Build(int districts, int cells, long residents, ref Rng rng)
    {
        var factory = new GeometryFactory(new PrecisionModel(), 4326);
        var disc = factory.CreatePoint(new Coordinate(0, 0)).Buffer(RadiusKm, 32);

        // Seeds with r = R·u^0.8: more, smaller districts near the centre.
        var sites = new List<Coordinate>();
        while (sites.Count < districts)
        {
            var r = RadiusKm * 0.95 * Math.Pow(rng.NextDouble(), 0.8);
            var theta = 2 * Math.PI * rng.NextDouble();
            var c = new Coordinate(Math.Round(r * Math.Cos(theta), 6), Math.Round(r * Math.Sin(theta), 6));
            if (sites.TrueForAll(s => s.Distance(c) > 0.5))
            {
                sites.Add(c);
            }
        }

        var builder = new VoronoiDiagramBuilder();
        builder.SetSites(sites);
        builder.ClipEnvelope = new Envelope(-2 * RadiusKm, 2 * RadiusKm, -2 * RadiusKm, 2 * RadiusKm);
        var diagram = builder.GetDiagram(factory);

        // The diagram's order is not the sites' order: match each polygon to its site.
        var planePolygons = new Geometry[districts];
        for (var i = 0; i < diagram.NumGeometries; i++)
        {
            var polygon = diagram.GetGeometryN(i);
            var site = (Coordinate)polygon.UserData;
            var index = sites.FindIndex(s => s.Equals2D(site));
            planePolygons[index] = polygon.Intersection(disc);
        }

        var weights = new double[districts];
        for (var d = 0; d < districts; d++)
        {
            var r = Math.Sqrt((sites[d].X * sites[d].X) + (sites[d].Y * sites[d].Y));
            weights[d] = planePolygons[d].Area * Math.Exp(-r / 8.0) * rng.LogNormalWithMean(1, 0.25);
        }

        var totalWeight = weights.Sum();
        var populations = weights.Select(w => Math.Max(1000L, (long)Math.Round(residents * w / totalWeight))).ToArray();
        var (xs, ys, ds) = City.PlaceCells(planePolygons, populations, cells, ref rng);

        var plane = new LocalPlane(CentreLat, CentreLon);
        var list = new List<CityDistrict>();
        for (var d = 0; d < districts; d++)
        {
            var r = Math.Sqrt((sites[d].X * sites[d].X) + (sites[d].Y * sites[d].Y));
            var rent = Math.Round(450 * Math.Exp(-r / 20.0) * rng.LogNormalWithMean(1, 0.15), 2);
            var lonLat = plane.Map(planePolygons[d], toPlane: false);
            var centroid = planePolygons[d].Centroid;
            list.Add(new CityDistrict(d + 1, "District " + (d + 1).ToString("D2", CultureInfo.InvariantCulture), populations[d], rent, lonLat)
            {
                X = centroid.X,
                Y = centroid.Y,
            });
        }

        return new City(plane, list, xs, ys, ds);
    }
}
