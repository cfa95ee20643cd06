namespace Mosaic.Simulation;

/// <summary>
/// Where calls to unattributed numbers land, by the caller's current district: a share stays in
/// the district, the rest follows a gravity model (population × e^(−distance/ℓ)). In the planted
/// segregated districts refugees instead call districts in proportion to their refugee population,
/// so their destination mix differs from hosts' there and only there.
/// </summary>
internal sealed class Destinations
{
    private readonly AliasTable[] host;
    private readonly AliasTable?[] refugee;
    private readonly int[][] cellsOfDistrict;

    public Destinations(City city, SimulationParameters parameters, IReadOnlyCollection<int> segregated)
    {
        var n = city.Districts.Count;
        cellsOfDistrict = city.CellsOfDistrict;
        host = new AliasTable[n];
        refugee = new AliasTable?[n];
        for (var i = 0; i < n; i++)
        {
            var from = city.Districts[i];
            var gravity = new double[n];
            for (var j = 0; j < n; j++)
            {
                if (j != i)
                {
                    var to = city.Districts[j];
                    var d = Math.Sqrt(((from.X - to.X) * (from.X - to.X)) + ((from.Y - to.Y) * (from.Y - to.Y)));
                    gravity[j] = to.Population * Math.Exp(-d / parameters.DestinationLengthKm);
                }
            }

            var sum = gravity.Sum();
            var weights = new double[n];
            for (var j = 0; j < n; j++)
            {
                weights[j] = j == i ? (n == 1 || sum <= 0 ? 1 : parameters.SelfDestinationShare) : (1 - parameters.SelfDestinationShare) * gravity[j] / sum;
            }

            host[i] = new AliasTable(weights);
            if (segregated.Contains(i))
            {
                refugee[i] = new AliasTable(city.Districts.Select(d => (double)d.RefugeePopulation + 1).ToArray());
            }
        }
    }

    /// <summary>A destination cell for a call made from <paramref name="originDistrict"/>.</summary>
    public int Cell(int originDistrict, bool byRefugee, ref Rng rng)
    {
        var table = (byRefugee ? refugee[originDistrict] : null) ?? host[originDistrict];
        var cells = cellsOfDistrict[table.Next(ref rng)];
        return cells[rng.NextInt(cells.Length)];
    }
}
