using NetTopologySuite.Algorithm.Locate;
using NetTopologySuite.Geometries;

namespace Mosaic.Simulation;

/// <summary>One district of the simulated city (id = index + 1).</summary>
internal sealed record CityDistrict(int Id, string Name, long Population, double MonthlyRent, Geometry Polygon)
{
    /// <summary>Refugees living in the district (planted).</summary>
    public long RefugeePopulation { get; set; }

    /// <summary>Centroid in the local plane (km).</summary>
    public double X { get; init; }

    /// <summary>Centroid in the local plane (km).</summary>
    public double Y { get; init; }
}

/// <summary>A local equirectangular plane in km around a centre: accurate to well under 1% over a city.</summary>
internal readonly record struct LocalPlane(double CentreLat, double CentreLon)
{
    private const double KmPerDegLat = Math.PI * City.EarthRadiusKm / 180.0;

    private double KmPerDegLon => KmPerDegLat * Math.Cos(CentreLat * Math.PI / 180.0);

    public (double Lat, double Lon) ToLatLon(double x, double y) => (CentreLat + (y / KmPerDegLat), CentreLon + (x / KmPerDegLon));

    public (double X, double Y) ToPlane(double lat, double lon) => ((lon - CentreLon) * KmPerDegLon, (lat - CentreLat) * KmPerDegLat);

    /// <summary>A copy of a geometry mapped from lon/lat to the plane, or back.</summary>
    public Geometry Map(Geometry geometry, bool toPlane)
    {
        var copy = geometry.Copy();
        copy.Apply(new Mapper(this, toPlane));
        copy.GeometryChanged();
        return copy;
    }

    private sealed class Mapper(LocalPlane plane, bool toPlane) : IEntireCoordinateSequenceFilter
    {
        public bool Done => false;

        public bool GeometryChanged => true;

        public void Filter(CoordinateSequence seq)
        {
            for (var i = 0; i < seq.Count; i++)
            {
                if (toPlane)
                {
                    var (x, y) = plane.ToPlane(seq.GetY(i), seq.GetX(i));
                    seq.SetX(i, x);
                    seq.SetY(i, y);
                }
                else
                {
                    var (lat, lon) = plane.ToLatLon(seq.GetX(i), seq.GetY(i));
                    seq.SetX(i, Math.Round(lon, 6));
                    seq.SetY(i, Math.Round(lat, 6));
                }
            }
        }
    }
}

/// <summary>
/// The geography of a simulated city: districts with polygons (WGS84 lon/lat), cells with
/// positions, and a local equirectangular plane in km around the centre for fast geometry.
/// Distances that enter features are great-circle (R = 6371 km); the plane only places points.
/// </summary>
internal sealed class City
{
    public const double EarthRadiusKm = 6371.0;

    private readonly LocalPlane plane;
    private readonly double gridSize;
    private readonly double gridX0;
    private readonly double gridY0;
    private readonly int gridW;
    private readonly int gridH;
    private readonly int[][] grid;

    public City(LocalPlane plane, IReadOnlyList<CityDistrict> districts, double[] cellX, double[] cellY, int[] cellDistrict)
    {
        this.plane = plane;
        Districts = districts;
        CellX = cellX;
        CellY = cellY;
        CellDistrict = cellDistrict;
        CellLat = new double[cellX.Length];
        CellLon = new double[cellX.Length];
        for (var c = 0; c < cellX.Length; c++)
        {
            (CellLat[c], CellLon[c]) = plane.ToLatLon(cellX[c], cellY[c]);
        }

        CellsOfDistrict = Enumerable.Range(0, districts.Count)
            .Select(d => Enumerable.Range(0, cellX.Length).Where(c => cellDistrict[c] == d).ToArray())
            .ToArray();

        // A uniform grid for nearest-cell queries: about two cells per bucket.
        var minX = cellX.Min();
        var minY = cellY.Min();
        var spanX = Math.Max(cellX.Max() - minX, 1e-3);
        var spanY = Math.Max(cellY.Max() - minY, 1e-3);
        gridSize = Math.Max(Math.Sqrt(spanX * spanY * 2 / cellX.Length), 1e-3);
        gridX0 = minX;
        gridY0 = minY;
        gridW = (int)(spanX / gridSize) + 1;
        gridH = (int)(spanY / gridSize) + 1;
        var buckets = new List<int>[gridW * gridH];
        for (var c = 0; c < cellX.Length; c++)
        {
            var b = Bucket(cellX[c], cellY[c]);
            (buckets[b] ??= []).Add(c);
        }

        grid = buckets.Select(b => b?.ToArray() ?? []).ToArray();
    }

    public IReadOnlyList<CityDistrict> Districts { get; }

    public double[] CellX { get; }

    public double[] CellY { get; }

    public double[] CellLat { get; }

    public double[] CellLon { get; }

    /// <summary>0-based district index of each cell.</summary>
    public int[] CellDistrict { get; }

    public int[][] CellsOfDistrict { get; }

    public int CellCount => CellX.Length;

    public LocalPlane Plane => plane;

    private int Bucket(double x, double y)
    {
        var gx = Math.Clamp((int)((x - gridX0) / gridSize), 0, gridW - 1);
        var gy = Math.Clamp((int)((y - gridY0) / gridSize), 0, gridH - 1);
        return (gy * gridW) + gx;
    }

    /// <summary>The cell nearest to a point of the plane (ties to the lower index, so results are deterministic).</summary>
    public int NearestCell(double x, double y)
    {
        var gx = Math.Clamp((int)((x - gridX0) / gridSize), 0, gridW - 1);
        var gy = Math.Clamp((int)((y - gridY0) / gridSize), 0, gridH - 1);
        var best = -1;
        var bestD = double.MaxValue;
        for (var ring = 0; ring <= Math.Max(gridW, gridH); ring++)
        {
            for (var yy = gy - ring; yy <= gy + ring; yy++)
            {
                if (yy < 0 || yy >= gridH)
                {
                    continue;
                }

                for (var xx = gx - ring; xx <= gx + ring; xx++)
                {
                    if (xx < 0 || xx >= gridW || (Math.Abs(yy - gy) != ring && Math.Abs(xx - gx) != ring))
                    {
                        continue;
                    }

                    foreach (var c in grid[(yy * gridW) + xx])
                    {
                        var dx = CellX[c] - x;
                        var dy = CellY[c] - y;
                        var d = (dx * dx) + (dy * dy);
                        if (d < bestD || (d == bestD && c < best))
                        {
                            bestD = d;
                            best = c;
                        }
                    }
                }
            }

            // Points in rings further out are at least ring * gridSize away.
            if (best >= 0 && Math.Sqrt(bestD) <= ring * gridSize)
            {
                break;
            }
        }

        return best;
    }

    /// <summary>Great-circle distance in km (haversine, R = 6371 km), as bandicoot.</summary>
    public static double GreatCircleKm(double lat1, double lon1, double lat2, double lon2)
    {
        const double Rad = Math.PI / 180.0;
        var dLat = (lat2 - lat1) * Rad;
        var dLon = (lon2 - lon1) * Rad;
        var a = (Math.Sin(dLat / 2) * Math.Sin(dLat / 2)) + (Math.Cos(lat1 * Rad) * Math.Cos(lat2 * Rad) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2));
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    /// <summary>
    /// Radius of gyration of weighted positions as bandicoot computes it: the barycentre is the
    /// weighted mean of latitudes and longitudes, distances are great-circle.
    /// </summary>
    public double RadiusOfGyrationKm(ReadOnlySpan<int> cells, ReadOnlySpan<double> weights)
    {
        double total = 0, lat = 0, lon = 0;
        for (var i = 0; i < cells.Length; i++)
        {
            total += weights[i];
            lat += weights[i] * CellLat[cells[i]];
            lon += weights[i] * CellLon[cells[i]];
        }

        if (total <= 0)
        {
            return double.NaN;
        }

        lat /= total;
        lon /= total;
        var sum = 0.0;
        for (var i = 0; i < cells.Length; i++)
        {
            var d = GreatCircleKm(CellLat[cells[i]], CellLon[cells[i]], lat, lon);
            sum += weights[i] * d * d;
        }

        return Math.Sqrt(sum / total);
    }

    /// <summary>Places cells in each district in proportion to its population (at least two), uniformly inside its polygon.</summary>
    public static (double[] X, double[] Y, int[] District) PlaceCells(
        IReadOnlyList<Geometry> planePolygons, IReadOnlyList<long> populations, int cells, ref Rng rng)
    {
        var total = populations.Sum(p => (double)Math.Max(p, 1));
        var xs = new List<double>();
        var ys = new List<double>();
        var ds = new List<int>();
        for (var d = 0; d < planePolygons.Count; d++)
        {
            var count = Math.Max(2, (int)Math.Round(cells * Math.Max(populations[d], 1) / total));
            var polygon = planePolygons[d];
            var locator = new IndexedPointInAreaLocator(polygon);
            var env = polygon.EnvelopeInternal;
            var placed = 0;
            for (var attempt = 0; placed < count && attempt < count * 1000; attempt++)
            {
                var x = env.MinX + (rng.NextDouble() * env.Width);
                var y = env.MinY + (rng.NextDouble() * env.Height);
                if (locator.Locate(new Coordinate(x, y)) == Location.Interior)
                {
                    xs.Add(x);
                    ys.Add(y);
                    ds.Add(d);
                    placed++;
                }
            }

            if (placed == 0)
            {
                // Degenerate sliver: one cell at an interior point keeps every district reachable.
                var p = polygon.InteriorPoint;
                xs.Add(p.X);
                ys.Add(p.Y);
                ds.Add(d);
            }
        }

        return (xs.ToArray(), ys.ToArray(), ds.ToArray());
    }

    /// <summary>
    /// Plants refugees: a few enclave districts get <see cref="SimulationParameters.EnclaveFactor"/>
    /// times the base share, scaled so that refugees make up <see cref="SimulationParameters.RefugeeShare"/>
    /// of the city. Returns the enclave district indices (sorted).
    /// </summary>
    public static int[] PlantRefugees(IReadOnlyList<CityDistrict> districts, SimulationParameters parameters, ref Rng rng)
    {
        var n = districts.Count;
        var enclaves = Shuffle(n, ref rng).Take(Math.Min(parameters.EnclaveDistricts, n)).Order().ToArray();
        var weights = new double[n];
        for (var d = 0; d < n; d++)
        {
            weights[d] = (enclaves.Contains(d) ? parameters.EnclaveFactor : 1.0) * rng.LogNormalWithMean(1, 0.3);
        }

        var population = districts.Sum(d => (double)d.Population);
        var weighted = districts.Select((d, i) => d.Population * weights[i]).Sum();
        var scale = parameters.RefugeeShare * population / weighted;
        for (var d = 0; d < n; d++)
        {
            districts[d].RefugeePopulation = (long)Math.Round(districts[d].Population * Math.Min(0.5, scale * weights[d]));
        }

        return enclaves;
    }

    /// <summary>Picks the districts whose refugees get a planted destination mix: among the better-populated half by refugees, so a test has power.</summary>
    public static int[] PickSegregated(IReadOnlyList<CityDistrict> districts, int count, ref Rng rng)
    {
        var candidates = Enumerable.Range(0, districts.Count)
            .OrderByDescending(d => districts[d].RefugeePopulation).ThenBy(d => d)
            .Take(Math.Max(1, (districts.Count + 1) / 2)).ToArray();
        var order = Shuffle(candidates.Length, ref rng);
        return order.Take(Math.Min(count, candidates.Length)).Select(i => candidates[i]).Order().ToArray();
    }

    internal static int[] Shuffle(int n, ref Rng rng)
    {
        var order = Enumerable.Range(0, n).ToArray();
        for (var i = n - 1; i > 0; i--)
        {
            var j = rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order;
    }
}
