using NetTopologySuite.Algorithm.Locate;
using NetTopologySuite.Geometries;
using NetTopologySuite.Index.Strtree;

namespace Mosaic.Geography;

/// <summary>
/// Point-in-polygon assignment of positions to districts, indexed with an STR-tree so that
/// assigning every cell of a country stays fast. A point on a shared boundary goes to the
/// district with the smaller id, so the assignment is deterministic.
/// </summary>
public sealed class DistrictLocator
{
    private readonly STRtree<(int DistrictId, IPointOnGeometryLocator Locator)> index = new();

    /// <summary>Indexes the given district polygons (x = longitude, y = latitude).</summary>
    public DistrictLocator(IEnumerable<(int DistrictId, Geometry Geometry)> districts)
    {
        ArgumentNullException.ThrowIfNull(districts);
        foreach (var (id, geometry) in districts)
        {
            index.Insert(geometry.EnvelopeInternal, (id, new IndexedPointInAreaLocator(geometry)));
        }

        index.Build();
    }

    /// <summary>The district containing the position (boundary included), or null when none does.</summary>
    public int? Locate(double lat, double lon)
    {
        if (!double.IsFinite(lat) || !double.IsFinite(lon))
        {
            return null;
        }

        var point = new Coordinate(lon, lat);
        int? best = null;
        foreach (var (id, locator) in index.Query(new Envelope(point)))
        {
            if (locator.Locate(point) != Location.Exterior && (best is null || id < best))
            {
                best = id;
            }
        }

        return best;
    }
}
