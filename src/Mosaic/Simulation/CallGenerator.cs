namespace Mosaic.Simulation;

/// <summary>
/// Generates the calls of one block of work: a range of attributed subscribers ("egos", who
/// generate the interactions of every contact they created, whoever places the call), or a
/// slice of background traffic among unattributed numbers and machines. Each block has its
/// own random stream, so the output does not depend on which thread runs it.
/// </summary>
internal sealed class CallGenerator
{
    public const int EgosPerBlock = 2048;
    public const int BackgroundPerBlock = 1_000_000;

    private const ulong EgoStream = 0xE6;
    private const ulong BackgroundStream = 0xB6;

    private readonly City city;
    private readonly Population pop;
    private readonly SimulationParameters parameters;
    private readonly Destinations destinations;
    private readonly DateTime start;
    private readonly long seed;
    private readonly AliasTable days = new(Whereabouts.DayWeights);
    private readonly AliasTable dayHours = new(Whereabouts.DayHourWeights);
    private readonly AliasTable nightHours = new(Whereabouts.NightHourWeights);
    private readonly AliasTable[] placeGivenMoment = [.. Whereabouts.PlaceGivenMoment.Select(p => new AliasTable(p))];
    private readonly AliasTable cellByPopulation;
    private readonly bool[] segregated;
    private readonly List<BackgroundSlice> background = [];

    public CallGenerator(City city, Population pop, SimulationParameters parameters, Destinations destinations, IReadOnlyCollection<int> segregatedDistricts, DateTime start, long seed)
    {
        this.city = city;
        this.pop = pop;
        this.parameters = parameters;
        this.destinations = destinations;
        this.start = start;
        this.seed = seed;
        segregated = [.. Enumerable.Range(0, city.Districts.Count).Select(segregatedDistricts.Contains)];
        cellByPopulation = new AliasTable(Enumerable.Range(0, city.CellCount)
            .Select(c => city.Districts[city.CellDistrict[c]].Population / (double)city.CellsOfDistrict[city.CellDistrict[c]].Length).ToArray());
        PlanBackground();
    }

    /// <summary>Blocks of egos, then background slices.</summary>
    public int BlockCount => EgoBlocks + background.Count;

    private int EgoBlocks => (pop.Attributed + EgosPerBlock - 1) / EgosPerBlock;

    private sealed record BackgroundSlice(int Week, int Machine, long Count);

    private void PlanBackground()
    {
        var unattributed = pop.Subscribers - pop.Attributed;
        for (var week = 1; week <= pop.Weeks; week++)
        {
            var total = (long)Math.Round(unattributed * parameters.BackgroundInteractionsPerWeek);
            for (long done = 0; done < total; done += BackgroundPerBlock)
            {
                background.Add(new BackgroundSlice(week, -1, Math.Min(BackgroundPerBlock, total - done)));
            }

            if (pop.Machines > 0)
            {
                var active = Enumerable.Range(0, pop.Attributed).Count(i => pop.ActiveIn(i, week));
                var fromEgos = active * parameters.MachineContactProbability * (1 + parameters.MachineActivityRate) / pop.Machines;
                var rest = Math.Max(0, parameters.MachineInteractionsPerWeek - (long)Math.Round(fromEgos));
                for (var m = 0; m < pop.Machines; m++)
                {
                    background.Add(new BackgroundSlice(week, m, rest));
                }
            }
        }
    }

    /// <summary>Generates block <paramref name="block"/>.</summary>
    public CallBuffer Generate(int block)
    {
        if (block < EgoBlocks)
        {
            var rng = new Rng(seed, EgoStream, (ulong)block);
            var from = block * EgosPerBlock;
            var to = Math.Min(pop.Attributed, from + EgosPerBlock);
            var buffer = new CallBuffer((to - from) * 200);
            for (var i = from; i < to; i++)
            {
                GenerateEgo(i, buffer, ref rng);
            }

            return buffer;
        }
        else
        {
            var slice = background[block - EgoBlocks];
            var rng = new Rng(seed, BackgroundStream, (ulong)block);
            var buffer = new CallBuffer((int)Math.Min(slice.Count, BackgroundPerBlock));
            if (slice.Machine < 0)
            {
                GenerateBackground(slice, buffer, ref rng);
            }
            else
            {
                GenerateMachine(slice, buffer, ref rng);
            }

            return buffer;
        }
    }

    private enum PartnerKind
    {
        Unattributed,
        Attributed,
        Machine,
    }

    private void GenerateEgo(int i, CallBuffer buffer, ref Rng rng)
    {
        var weeks = pop.Weeks;
        var behaviours = new GroupBehaviour?[weeks + 1];
        var counts = new int[weeks + 1, 4];
        var max = new int[4];
        var s = pop.Sociability[i];
        var u = pop.RoundingU[i];
        for (var w = 1; w <= weeks; w++)
        {
            if (!pop.ActiveIn(i, w))
            {
                continue;
            }

            var b = pop.BehaviourOf(i, w, parameters);
            behaviours[w] = b;
            double[] expected = [b.UnattributedContacts, b.ToLocals, b.ToSettled, b.ToNew];
            for (var k = 0; k < 4; k++)
            {
                counts[w, k] = Rng.StochasticRound(s * expected[k], u);
                max[k] = Math.Max(max[k], counts[w, k]);
            }
        }

        // Persistent contact lists; a week uses a prefix, so contacts are kept as counts grow.
        var unattributed = new long[max[0]];
        for (var c = 0; c < unattributed.Length; c++)
        {
            unattributed[c] = pop.Attributed + rng.NextLong(pop.Subscribers - pop.Attributed);
        }

        var partners = new int[3][];
        for (var k = 1; k < 4; k++)
        {
            partners[k - 1] = PickPartners(i, (SimGroup)(k - 1), max[k], ref rng);
        }

        for (var w = 1; w <= weeks; w++)
        {
            if (behaviours[w] is not { } b)
            {
                continue;
            }

            var rate = b.ActivityRate * pop.Activity[i];
            for (var c = 0; c < counts[w, 0]; c++)
            {
                var n = 1 + rng.Poisson(rate);
                for (var e = 0; e < n; e++)
                {
                    Interact(i, PartnerKind.Unattributed, unattributed[c], w, b, buffer, ref rng);
                }
            }

            for (var k = 1; k < 4; k++)
            {
                var list = partners[k - 1];
                for (var c = 0; c < Math.Min(counts[w, k], list.Length); c++)
                {
                    var n = 1 + rng.Poisson(rate);
                    for (var e = 0; e < n; e++)
                    {
                        Interact(i, PartnerKind.Attributed, list[c], w, b, buffer, ref rng);
                    }
                }
            }

            if (pop.Machines > 0 && rng.Chance(parameters.MachineContactProbability))
            {
                var machine = rng.NextInt(pop.Machines);
                var n = 1 + rng.Poisson(parameters.MachineActivityRate);
                for (var e = 0; e < n; e++)
                {
                    Interact(i, PartnerKind.Machine, machine, w, b, buffer, ref rng);
                }
            }
        }
    }

    /// <summary>Distinct partners of a group, picked in proportion to sociability; migrants pick townsmen among settled migrants first.</summary>
    private int[] PickPartners(int i, SimGroup group, int count, ref Rng rng)
    {
        if (count == 0)
        {
            return [];
        }

        int[] members;
        AliasTable? table;
        if (group == SimGroup.New)
        {
            members = pop.NewByArrival[pop.Arrival[i]];
            table = pop.NewPick[pop.Arrival[i]];
        }
        else
        {
            members = pop.Members[(int)group];
            table = pop.GroupPick[(int)group];
        }

        if (table is null)
        {
            return [];
        }

        var picked = new List<int>(count);
        var townsmen = group == SimGroup.Settled && pop.Origin[i] != 0 ? pop.SettledOriginPick[pop.Origin[i]] : null;
        var townsmenMembers = group == SimGroup.Settled && pop.Origin[i] != 0 ? pop.SettledByOrigin[pop.Origin[i]] : [];
        for (var attempt = 0; picked.Count < count && attempt < count * 20; attempt++)
        {
            var j = townsmen is not null && rng.Chance(parameters.TownsmenShare)
                ? townsmenMembers[townsmen.Next(ref rng)]
                : members[table.Next(ref rng)];
            if (j != i && !picked.Contains(j))
            {
                picked.Add(j);
            }
        }

        return [.. picked];
    }

    private (DateTime Time, int Moment) Moment(int week, double nightShare, ref Rng rng)
    {
        var day = days.Next(ref rng);
        int seconds;
        int moment;
        if (rng.Chance(nightShare))
        {
            var h = nightHours.Next(ref rng);
            var hour = h < 5 ? 19 + h : h - 5;
            seconds = (hour * 3600) + rng.NextInt(3600);
            moment = Whereabouts.Night;
        }
        else
        {
            var hour = 7 + dayHours.Next(ref rng);
            // 07:00:00 exactly counts as night: daytime starts one second later.
            seconds = (hour * 3600) + (hour == 7 ? 1 + rng.NextInt(3599) : rng.NextInt(3600));
            moment = day < 5 && hour is >= 9 and < 17 ? Whereabouts.WorkHours : Whereabouts.OtherDay;
        }

        return (start.AddDays((7 * (week - 1)) + day).AddSeconds(seconds), moment);
    }

    private int PlaceCell(int i, int week, int moment, ref Rng rng) =>
        pop.Place(i, week, placeGivenMoment[moment].Next(ref rng));

    private int Duration(double mean, ref Rng rng) =>
        Math.Max(1, (int)Math.Round(rng.LogNormalWithMean(mean, parameters.DurationSigma)));

    private void Interact(int i, PartnerKind kind, long partner, int week, GroupBehaviour b, CallBuffer buffer, ref Rng rng)
    {
        var machine = kind == PartnerKind.Machine;
        var (time, moment) = machine ? MachineMoment(week, ref rng) : Moment(week, b.NightShare, ref rng);
        var egoCell = PlaceCell(i, week, moment, ref rng);
        int partnerCell;
        long partnerId;
        switch (kind)
        {
            case PartnerKind.Attributed:
                partnerCell = PlaceCell((int)partner, week, moment, ref rng);
                partnerId = pop.Id(partner);
                break;
            case PartnerKind.Machine:
                partnerCell = pop.MachineCell[partner];
                partnerId = pop.Id(pop.MachineIndex((int)partner));
                break;
            default:
                var origin = city.CellDistrict[egoCell];
                partnerCell = destinations.Cell(origin, pop.IsRefugee[i] && segregated[origin], ref rng);
                partnerId = pop.Id(partner);
                break;
        }

        var isText = !machine && rng.Chance(b.TextShare);
        var duration = isText ? 0 : Duration(machine ? parameters.MachineCallDurationMeanS : b.CallDurationMeanS, ref rng);
        var egoCalls = machine ? rng.Chance(0.15) : rng.Chance(0.5);
        var egoId = pop.Id(i);
        if (egoCalls)
        {
            buffer.Add(egoId, partnerId, time, duration, isText, egoCell, partnerCell);
        }
        else
        {
            buffer.Add(partnerId, egoId, time, duration, isText, partnerCell, egoCell);
        }
    }

    /// <summary>Machines work weekdays 09:00–17:00.</summary>
    private (DateTime Time, int Moment) MachineMoment(int week, ref Rng rng)
    {
        var day = rng.NextInt(5);
        var seconds = (9 * 3600) + rng.NextInt(8 * 3600);
        return (start.AddDays((7 * (week - 1)) + day).AddSeconds(seconds), Whereabouts.WorkHours);
    }

    private long RandomUnattributed(ref Rng rng) => pop.Attributed + rng.NextLong(pop.Subscribers - pop.Attributed);

    private void GenerateBackground(BackgroundSlice slice, CallBuffer buffer, ref Rng rng)
    {
        var b = parameters.Local;
        for (long c = 0; c < slice.Count; c++)
        {
            var caller = RandomUnattributed(ref rng);
            var callee = RandomUnattributed(ref rng);
            if (callee == caller)
            {
                continue;
            }

            var (time, _) = Moment(slice.Week, b.NightShare, ref rng);
            var callerCell = cellByPopulation.Next(ref rng);
            var calleeCell = destinations.Cell(city.CellDistrict[callerCell], false, ref rng);
            var isText = rng.Chance(b.TextShare);
            buffer.Add(pop.Id(caller), pop.Id(callee), time, isText ? 0 : Duration(b.CallDurationMeanS, ref rng), isText, callerCell, calleeCell);
        }
    }

    private void GenerateMachine(BackgroundSlice slice, CallBuffer buffer, ref Rng rng)
    {
        var machineId = pop.Id(pop.MachineIndex(slice.Machine));
        var cell = pop.MachineCell[slice.Machine];
        for (long c = 0; c < slice.Count; c++)
        {
            var other = pop.Id(RandomUnattributed(ref rng));
            var (time, _) = MachineMoment(slice.Week, ref rng);
            var otherCell = cellByPopulation.Next(ref rng);
            var duration = Duration(parameters.MachineCallDurationMeanS, ref rng);
            if (rng.Chance(0.85))
            {
                buffer.Add(machineId, other, time, duration, false, cell, otherCell);
            }
            else
            {
                buffer.Add(other, machineId, time, duration, false, otherCell, cell);
            }
        }
    }
}
