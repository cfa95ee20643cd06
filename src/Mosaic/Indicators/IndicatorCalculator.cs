using System.Runtime.CompilerServices;

namespace Mosaic.Indicators;

/// <summary>
/// Computes every indicator of one user into a flat array laid out by <see cref="IndicatorSchema"/>
/// (NaN stands for bandicoot's None). One pass filters the records for each (part of week, part
/// of day, interaction) cell; each cell is cut into ISO weeks (or kept whole), each week yields
/// one value per indicator, and the weekly values are reduced to mean and std over weeks with a
/// value, as bandicoot's <c>grouping</c> decorator does. Not thread-safe: one instance per thread.
/// </summary>
internal sealed class IndicatorCalculator(IndicatorSchema schema)
{
    private const long TicksPerSecond = TimeSpan.TicksPerSecond;
    private const long HourTicks = TimeSpan.TicksPerHour;
    private const int NightEndSeconds = 7 * 3600;
    private const int NightStartSeconds = 19 * 3600;

    private readonly List<double>[] accumulators = [.. Enumerable.Range(0, schema.AccumulatorCount).Select(_ => new List<double>())];
    private readonly double[] stats = new double[SummaryStatistics.Count];
    private int[] week = [];
    private int[] day = [];
    private int[] bin = [];
    private bool[] night = [];
    private bool[] weekend = [];
    private byte[] code = [];
    private int[] combo = [];
    private int[] identity = [];
    private int[] subset = [];
    private int[] contactCount = [];
    private int[] contactOut = [];
    private double[] contactDuration = [];
    private int[] positionCount = [];
    private int[] churnPrevious = [];
    private int[] churnCurrent = [];
    private double[] positionCosLat = [];
    private readonly List<(int Start, int Length)> groups = [];
    private int[] touchedPositions = [];
    private int[] binned = [];
    private int[] previousPositions = [];
    private int[] currentPositions = [];
    private readonly List<double> values = [];
    private int[] touchedScratch = [];
    private int[] countScratch = [];
    private double[] valueScratch = [];
    private double[] valueScratch2 = [];
    private int[] contactFirst = [];
    private byte[] conversationState = [];
    private long[] conversationLast = [];

    // Cells that are the disjoint union of two others reuse their sorted distributions (see Derivations).
    private readonly (int A, int B, bool Concatenated)[] derivations = Derivations(schema);
    private readonly int[] order = ComputeOrder(Derivations(schema));
    private readonly bool[] isPart = PartsOf(Derivations(schema));
    private readonly SortedParts[] sortedParts = [.. Enumerable.Range(0, schema.Combos.Length * 2).Select(_ => new SortedParts())];
    private readonly bool[] mergeConversations = [.. Derivations(schema).Select((d, c) => d.Concatenated && !PartsOf(Derivations(schema))[c])];
    private readonly ConversationParts?[] conversationParts = ConversationStores(Derivations(schema));
    private readonly SpatialParts?[] spatialParts = [.. ConversationStores(Derivations(schema)).Select(s => s is null ? null : new SpatialParts())];
    private readonly List<int> unionWeeks = [];

    // The whole-week cell's binned positions week by week (grouping by week): the ones churn_rate compares.
    private readonly SpatialParts weekPositions = new();
    private bool[] firstHasOut = [];
    private int cursorA;
    private int cursorB;

    public IndicatorSchema Schema => schema;

    /// <summary>The position index of the user's home, or −1 when none (computed by <see cref="Compute"/>).</summary>
    public int Home { get; private set; } = -1;

    /// <summary>Computes every indicator of <paramref name="user"/> into <paramref name="output"/> (length <c>Schema.Keys.Length</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Compute(BandicootUser user, Span<double> output)
    {
        foreach (var a in accumulators)
        {
            a.Clear();
        }

        var records = user.Records;
        var n = records.Length;
        Prepare(user);
        for (var i = 0; i < n; i++)
        {
            var ticks = records[i].Ticks;
            var dayNumber = (int)(ticks / TimeSpan.TicksPerDay);
            var isoDay = ((dayNumber + 1) % 7 + 6) % 7; // 0 = Monday ... 6 = Sunday (0001-01-01 was a Monday)
            week[i] = dayNumber - isoDay;
            day[i] = dayNumber;
            var isWeekend = isoDay >= 5;
            weekend[i] = isWeekend;
            var seconds = (int)(ticks % TimeSpan.TicksPerDay / TicksPerSecond);
            var isNight = !(seconds > NightEndSeconds && seconds < NightStartSeconds);
            night[i] = isNight;
            bin[i] = records[i].Bin;
            code[i] = (byte)((isWeekend ? 1 : 0) | (isNight ? 2 : 0) | ((int)records[i].Kind << 2));
        }

        Home = ComputeHome(user);
        foreach (var store in sortedParts)
        {
            store.Clear();
        }

        foreach (var store in conversationParts)
        {
            store?.Clear();
        }

        foreach (var store in spatialParts)
        {
            store?.Clear();
        }

        weekPositions.Clear();

        foreach (var c in order)
        {
            if (mergeConversations[c])
            {
                FromParts(user, c);
                continue;
            }

            // Branch-free selection (the tests are unpredictable): every index is written, and the
            // count only moves past the ones whose record code is in the cell's or filter's set.
            var cellCodes = CellCodes(schema.Combos[c]);
            Span<int> cell;
            if (cellCodes == AllCodes)
            {
                cell = identity.AsSpan(0, n);
            }
            else
            {
                var m = 0;
                for (var i = 0; i < n; i++)
                {
                    combo[m] = i;
                    m += (cellCodes >> code[i]) & 1;
                }

                cell = combo.AsSpan(0, m);
            }

            Spatial(user, c, cell);
            for (var f = 0; f < 3; f++)
            {
                var filter = (InteractionFilter)f;
                var filterCodes = FilterCodes(filter);
                var k = 0;
                foreach (var i in cell)
                {
                    subset[k] = i;
                    k += (filterCodes >> code[i]) & 1;
                }

                var part = subset.AsSpan(0, k);
                cursorA = 0;
                cursorB = 0;
                foreach (var (start, length) in Groups(part))
                {
                    var group = part.Slice(start, length);
                    if (filter == InteractionFilter.CallAndText && mergeConversations[c])
                    {
                        MergedConversations(c, week[group[0]]);
                    }
                    else if (filter == InteractionFilter.CallAndText)
                    {
                        Conversations(user, c, group);
                    }
                    else
                    {
                        Interactions(user, c, filter, schema.Options.GroupBy == IndicatorGrouping.Week ? week[group[0]] : 0, group);
                    }
                }
            }
        }

        Reduce(output);
        output[schema.ChurnSlot] = double.NaN;
        output[schema.ChurnSlot + 1] = double.NaN;
        Churn(user, output);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Prepare(BandicootUser user)
    {
        var n = user.Records.Length;
        if (week.Length < n)
        {
            var size = Math.Max(n, week.Length * 2);
            week = new int[size];
            day = new int[size];
            bin = new int[size];
            night = new bool[size];
            weekend = new bool[size];
            code = new byte[size];
            combo = new int[size];
            subset = new int[size];
            // A group's lists of records, contacts or positions: at most one entry per record.
            touchedScratch = new int[size];
            countScratch = new int[size];
            valueScratch = new double[size];
            valueScratch2 = new double[size];
            binned = new int[size];
            identity = [.. Enumerable.Range(0, size)];
        }

        var contacts = user.ContactCount;
        if (contactCount.Length < contacts + 1)
        {
            var size = Math.Max(contacts + 1, contactCount.Length * 2);
            contactCount = new int[size];
            contactOut = new int[size];
            contactDuration = new double[size];
            contactFirst = new int[size];
            firstHasOut = new bool[size];
            conversationState = new byte[size];
            conversationLast = new long[size];
        }

        var positions = user.PositionCount;
        if (positionCount.Length < positions)
        {
            var size = Math.Max(positions, positionCount.Length * 2);
            positionCount = new int[size];
            churnPrevious = new int[size];
            churnCurrent = new int[size];
            positionCosLat = new double[size];
            touchedPositions = new int[size];
            previousPositions = new int[size];
            currentPositions = new int[size];
        }

        for (var p = 0; p < positions; p++)
        {
            positionCosLat[p] = SummaryStatistics.CosLatitude(user.PositionLat[p]);
        }
    }

    /// <summary>Every record code: the cell of all records.</summary>
    private const int AllCodes = (1 << 12) - 1;

    /// <summary>
    /// The set of record codes (bit <c>weekend | night·2 | kind·4</c> of the result) in a cell:
    /// week 0 = all, 1 = weekdays, 2 = weekend; day 0 = all, 1 = day, 2 = night; any kind.
    /// </summary>
    internal static int CellCodes((int Week, int Day) cell)
    {
        var set = 0;
        for (var code = 0; code < 12; code++)
        {
            var weekend = (code & 1) != 0;
            var night = (code & 2) != 0;
            if ((cell.Week == 0 || (cell.Week == 1) != weekend) && (cell.Day == 0 || (cell.Day == 2) == night))
            {
                set |= 1 << code;
            }
        }

        return set;
    }

    /// <summary>The set of record codes (as <see cref="CellCodes"/>) that an interaction filter keeps.</summary>
    internal static int FilterCodes(InteractionFilter filter)
    {
        var set = 0;
        for (var code = 0; code < 12; code++)
        {
            var kind = (RecordKind)(code >> 2);
            if (filter == InteractionFilter.CallAndText ? kind != RecordKind.Other : (int)kind == (int)filter)
            {
                set |= 1 << code;
            }
        }

        return set;
    }

    /// <summary>Contiguous (start, length) groups of a time-sorted index list: ISO weeks, or one group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private List<(int Start, int Length)> Groups(ReadOnlySpan<int> part)
    {
        // One list reused: every caller iterates the groups to the end before the next call.
        groups.Clear();
        if (part.IsEmpty)
        {
            return groups;
        }

        if (schema.Options.GroupBy == IndicatorGrouping.None)
        {
            groups.Add((0, part.Length));
            return groups;
        }

        var start = 0;
        for (var i = 1; i < part.Length; i++)
        {
            if (week[part[i]] != week[part[i - 1]])
            {
                groups.Add((start, i - start));
                start = i;
            }
        }

        groups.Add((start, part.Length - start));
        return groups;
    }

    private void AddScalar(Indicator indicator, int c, InteractionFilter filter, double value)
    {
        var index = schema.Find(indicator, c, filter);
        if (index >= 0)
        {
            accumulators[schema.Instances[index].Accumulator].Add(value);
        }
    }

    /// <summary>Adds the summary statistics of <paramref name="sorted"/> (ascending).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddSortedSummary(Indicator indicator, int c, InteractionFilter filter, ReadOnlySpan<double> sorted)
    {
        var index = schema.Find(indicator, c, filter);
        if (index < 0)
        {
            return;
        }

        if (sorted.IsEmpty)
        {
            stats.AsSpan().Fill(double.NaN);
        }
        else
        {
            SummaryStatistics.ComputeSorted(sorted, stats, schema.KeptStatistics);
        }

        AddStatistics(index);
    }

    /// <summary>Adds the statistics the output keeps (mean and std, or all of them) to the instance's weekly lists.</summary>
    private void AddStatistics(int index)
    {
        var first = schema.Instances[index].Accumulator;
        for (var s = 0; s < schema.KeptStatistics; s++)
        {
            accumulators[first + s].Add(stats[s]);
        }
    }

    /// <summary>
    /// For each cell, the two disjoint cells it is the union of (A = −1: none): it adds up their
    /// per-contact tallies and merges their sorted call durations instead of reading and sorting
    /// its own records (see <see cref="MergeContacts"/>). A whole-week cell is weekdays then
    /// weekend: within an ISO week every weekday record precedes every weekend record, so when
    /// grouping by week its time sequence is the two sequences one after the other
    /// (Concatenated), and its interevent times are theirs plus the one gap between them. The
    /// parts of a day and night cell interleave, so its interevent times are its own.
    /// </summary>
    internal static (int A, int B, bool Concatenated)[] Derivations(IndicatorSchema schema)
    {
        var combos = schema.Combos;
        var result = new (int A, int B, bool Concatenated)[combos.Length];
        for (var c = 0; c < combos.Length; c++)
        {
            var (w, d) = combos[c];
            var weekday = Array.IndexOf(combos, (1, d));
            var day = Array.IndexOf(combos, (w, 1));
            result[c] = w == 0 && weekday >= 0 ? (weekday, Array.IndexOf(combos, (2, d)), schema.Options.GroupBy == IndicatorGrouping.Week)
                : d == 0 && day >= 0 ? (day, Array.IndexOf(combos, (w, 2)), false)
                : (-1, -1, false);
        }

        return result;
    }

    /// <summary>The cells in an order where every cell comes after the two it is made from.</summary>
    private static int[] ComputeOrder((int A, int B, bool Concatenated)[] derivations)
    {
        var done = new bool[derivations.Length];
        var order = new List<int>();
        while (order.Count < derivations.Length)
        {
            for (var c = 0; c < derivations.Length; c++)
            {
                var (a, b, _) = derivations[c];
                if (!done[c] && (a < 0 || (done[a] && done[b])))
                {
                    done[c] = true;
                    order.Add(c);
                }
            }
        }

        return [.. order];
    }

    /// <summary>A conversation store for each part of a whole-week cell whose conversations are merged, else null.</summary>
    private static ConversationParts?[] ConversationStores((int A, int B, bool Concatenated)[] derivations)
    {
        var parts = PartsOf(derivations);
        var stores = new ConversationParts?[derivations.Length];
        for (var c = 0; c < derivations.Length; c++)
        {
            var (a, b, concatenated) = derivations[c];
            if (concatenated && !parts[c])
            {
                stores[a] ??= new ConversationParts();
                stores[b] ??= new ConversationParts();
            }
        }

        return stores;
    }

    private static bool[] PartsOf((int A, int B, bool Concatenated)[] derivations)
    {
        var parts = new bool[derivations.Length];
        foreach (var (a, b, _) in derivations)
        {
            if (a >= 0)
            {
                parts[a] = parts[b] = true;
            }
        }

        return parts;
    }

    /// <summary>
    /// A whole-week cell (grouping by week) from its weekday and weekend parts alone, without a
    /// pass over the records: week by week, the weekday positions then the weekend ones (a
    /// 30-minute bin never spans two days), the parts' contact tallies and conversations.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FromParts(BandicootUser user, int c)
    {
        var (a, b, _) = derivations[c];
        var spatialA = spatialParts[a]!;
        var spatialB = spatialParts[b]!;
        UnionWeeks(spatialA.Weeks, spatialB.Weeks);
        cursorA = 0;
        cursorB = 0;
        foreach (var weekKey in unionWeeks)
        {
            var count = spatialA.AddTo(binned, 0, ref cursorA, weekKey);
            count = spatialB.AddTo(binned, count, ref cursorB, weekKey);
            AddWeekSpatial(user, c, weekKey, binned.AsSpan(0, count));
        }

        for (var f = 0; f < 2; f++)
        {
            UnionWeeks(sortedParts[(a * 2) + f].Weeks, sortedParts[(b * 2) + f].Weeks);
            cursorA = 0;
            cursorB = 0;
            foreach (var weekKey in unionWeeks)
            {
                Interactions(user, c, (InteractionFilter)f, weekKey, default);
            }
        }

        UnionWeeks(conversationParts[a]!.Weeks, conversationParts[b]!.Weeks);
        cursorA = 0;
        cursorB = 0;
        foreach (var weekKey in unionWeeks)
        {
            MergedConversations(c, weekKey);
        }
    }

    /// <summary>The weeks of either list (each in ascending order) into <see cref="unionWeeks"/>, ascending.</summary>
    private void UnionWeeks<T>(List<T> a, List<T> b)
        where T : struct, IWeekEntry
    {
        unionWeeks.Clear();
        int i = 0, j = 0;
        while (i < a.Count || j < b.Count)
        {
            var wa = i < a.Count ? a[i].Week : int.MaxValue;
            var wb = j < b.Count ? b[j].Week : int.MaxValue;
            var next = Math.Min(wa, wb);
            unionWeeks.Add(next);
            i += wa == next ? 1 : 0;
            j += wb == next ? 1 : 0;
        }
    }

    /// <summary>A weekday or weekend cell's binned positions, week by week, for the whole-week cell made from it.</summary>
    private sealed class SpatialParts
    {
        private int[] positions = new int[1024];
        private int used;

        public List<PositionWeek> Weeks { get; } = [];

        public void Clear()
        {
            Weeks.Clear();
            used = 0;
        }

        public void Add(int week, ReadOnlySpan<int> binned)
        {
            if (used + binned.Length > positions.Length)
            {
                Array.Resize(ref positions, Math.Max(used + binned.Length, positions.Length * 2));
            }

            binned.CopyTo(positions.AsSpan(used));
            Weeks.Add(new PositionWeek(week, used, binned.Length));
            used += binned.Length;
        }

        public ReadOnlySpan<int> Positions(PositionWeek week) => positions.AsSpan(week.Start, week.Length);

        /// <summary>
        /// Writes the positions of week <paramref name="week"/> (none when the cell has no record
        /// that week) into <paramref name="output"/> from <paramref name="at"/>, moving the cursor
        /// past it; returns where they end.
        /// </summary>
        public int AddTo(int[] output, int at, ref int cursor, int week)
        {
            if (!TakeWeek(Weeks, ref cursor, week, out var found))
            {
                return at;
            }

            Positions(found).CopyTo(output.AsSpan(at));
            return at + found.Length;
        }
    }

    /// <summary>An entry of a finished part's week-ordered store.</summary>
    private interface IWeekEntry
    {
        int Week { get; }
    }

    /// <summary>The entry of week <paramref name="weekKey"/> in a part's week-ordered store, moving the cursor past it; false (default) when the part has no record that week.</summary>
    private static bool TakeWeek<T>(List<T> weeks, ref int cursor, int weekKey, out T found)
        where T : struct, IWeekEntry
    {
        while (cursor < weeks.Count && weeks[cursor].Week < weekKey)
        {
            cursor++;
        }

        if (cursor < weeks.Count && weeks[cursor].Week == weekKey)
        {
            found = weeks[cursor++];
            return true;
        }

        found = default;
        return false;
    }

    /// <summary>One week of a weekday or weekend cell's binned positions.</summary>
    private readonly record struct PositionWeek(int Week, int Start, int Length) : IWeekEntry;

    /// <summary>One week of a finished cell: its first and last record times and where its sorted distributions are stored.</summary>
    private readonly record struct SortedWeek(int Week, long FirstTicks, long LastTicks, int Outgoing, int Nocturnal) : IWeekEntry
    {
        public int N { get; init; }

        public int ContactStart { get; init; }

        public int ContactLength { get; init; }

        public int DurationStart { get; init; }

        public int DurationLength { get; init; }

        public int GapStart { get; init; }

        public int GapLength { get; init; }
    }

    /// <summary>One contact of a finished cell's week: its first record (index) and its count, outgoing count and total call duration.</summary>
    private readonly record struct ContactTally(int Contact, int First, int Count, int Out, double Duration);

    /// <summary>
    /// The contacts of a union of two disjoint weeks into the contact arrays, in order of first
    /// record (the order the union's own pass would meet them, which the entropy's sum follows);
    /// returns how many. Counts and whole-second durations add exactly in any order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int MergeContacts(ReadOnlySpan<ContactTally> a, ReadOnlySpan<ContactTally> b)
    {
        var contacts = 0;
        int i = 0, j = 0;
        while (i < a.Length || j < b.Length)
        {
            var t = j >= b.Length || (i < a.Length && a[i].First < b[j].First) ? a[i++] : b[j++];
            var contact = t.Contact;
            if (contactCount[contact] == 0)
            {
                touchedScratch[contacts++] = contact;
                contactFirst[contact] = t.First;
            }

            contactCount[contact] += t.Count;
            contactOut[contact] += t.Out;
            contactDuration[contact] += t.Duration;
        }

        return contacts;
    }

    /// <summary>A finished cell's contact tallies, sorted call durations and interevent times, week by week, for the cells made from it.</summary>
    private sealed class SortedParts
    {
        private double[] values = new double[1024];
        private int used;
        private ContactTally[] contacts = new ContactTally[256];

        public List<SortedWeek> Weeks { get; } = [];

        public void Clear()
        {
            Weeks.Clear();
            used = 0;
            ContactCount = 0;
        }

        public int ContactCount { get; private set; }

        public void AddContact(ContactTally tally)
        {
            if (ContactCount == contacts.Length)
            {
                Array.Resize(ref contacts, contacts.Length * 2);
            }

            contacts[ContactCount++] = tally;
        }

        public ReadOnlySpan<ContactTally> Contacts(SortedWeek week) => contacts.AsSpan(week.ContactStart, week.ContactLength);

        public void Add(SortedWeek week) => Weeks.Add(week);

        /// <summary>Stores <paramref name="sorted"/>; returns where it starts.</summary>
        public int Append(ReadOnlySpan<double> sorted)
        {
            if (used + sorted.Length > values.Length)
            {
                Array.Resize(ref values, Math.Max(used + sorted.Length, values.Length * 2));
            }

            sorted.CopyTo(values.AsSpan(used));
            used += sorted.Length;
            return used - sorted.Length;
        }

        public ReadOnlySpan<double> Durations(SortedWeek week) => values.AsSpan(week.DurationStart, week.DurationLength);

        public ReadOnlySpan<double> Gaps(SortedWeek week) => values.AsSpan(week.GapStart, week.GapLength);
    }

    /// <summary>Indicators of a call-only or text-only week.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Interactions(BandicootUser user, int c, InteractionFilter filter, int weekKey, ReadOnlySpan<int> group)
    {
        // Plain scratch arrays, not lists: sized in Prepare for any group (n records, every contact).
        var records = user.Records;
        var n = group.Length;
        var outgoing = 0;
        var nocturnal = 0;
        var contacts = 0;
        var durations = 0;
        var first = valueScratch;
        var second = valueScratch2;
        var isCall = filter == InteractionFilter.Call;
        var (partA, partB, concatenated) = derivations[c];
        var hasA = false;
        var hasB = false;
        SortedWeek weekA = default, weekB = default;
        if (partA >= 0)
        {
            // A union of two finished cells: their per-contact tallies, not the records.
            var storeA = sortedParts[(partA * 2) + (int)filter];
            var storeB = sortedParts[(partB * 2) + (int)filter];
            hasA = TakeWeek(storeA.Weeks, ref cursorA, weekKey, out weekA);
            hasB = TakeWeek(storeB.Weeks, ref cursorB, weekKey, out weekB);
            n = weekA.N + weekB.N;
            outgoing = weekA.Outgoing + weekB.Outgoing;
            nocturnal = weekA.Nocturnal + weekB.Nocturnal;
            contacts = MergeContacts(storeA.Contacts(weekA), storeB.Contacts(weekB));
            durations = weekA.DurationLength + weekB.DurationLength;
        }
        else
        {
            foreach (var i in group)
            {
                ref readonly var r = ref records[i];
                var contact = r.Contact;
                if (contactCount[contact]++ == 0)
                {
                    touchedScratch[contacts++] = contact;
                    contactFirst[contact] = i;
                }

                // Half the records are outgoing, in no pattern: added, not branched on.
                var isOut = r.Out ? 1 : 0;
                contactOut[contact] += isOut;
                outgoing += isOut;
                nocturnal += night[i] ? 1 : 0;
                if (isCall)
                {
                    contactDuration[contact] += r.Duration;
                    first[durations++] = r.Duration;
                }
            }
        }

        var touched = touchedScratch.AsSpan(0, contacts);
        AddScalar(Indicator.NumberOfContacts, c, filter, contacts);
        AddScalar(Indicator.PercentNocturnal, c, filter, (double)nocturnal / n);
        AddScalar(Indicator.NumberOfInteractions, c, filter, n);
        AddScalar(Indicator.NumberOfInteractionIn, c, filter, n - outgoing);
        AddScalar(Indicator.NumberOfInteractionOut, c, filter, outgoing);
        var store = isPart[c] ? sortedParts[(c * 2) + (int)filter] : null;
        var stored = partA < 0
            ? new SortedWeek(weekKey, records[group[0]].Ticks, records[group[^1]].Ticks, outgoing, nocturnal)
            : new SortedWeek(
                weekKey,
                !hasB ? weekA.FirstTicks : !hasA ? weekB.FirstTicks : Math.Min(weekA.FirstTicks, weekB.FirstTicks),
                !hasB ? weekA.LastTicks : !hasA ? weekB.LastTicks : Math.Max(weekA.LastTicks, weekB.LastTicks),
                outgoing,
                nocturnal);
        stored = stored with { N = n };
        if (store is not null)
        {
            var start = store.ContactCount;
            foreach (var contact in touched)
            {
                store.AddContact(new ContactTally(contact, contactFirst[contact], contactCount[contact], contactOut[contact], contactDuration[contact]));
            }

            stored = stored with { ContactStart = start, ContactLength = contacts };
        }

        if (isCall)
        {
            var sortedDurations = first.AsSpan(0, durations);
            if (partA >= 0)
            {
                SummaryStatistics.Merge(
                    sortedParts[(partA * 2) + (int)filter].Durations(weekA), sortedParts[(partB * 2) + (int)filter].Durations(weekB), sortedDurations);
            }
            else
            {
                SummaryStatistics.Sort(sortedDurations);
            }

            AddSortedSummary(Indicator.CallDuration, c, filter, sortedDurations);
            if (store is not null)
            {
                stored = stored with { DurationStart = store.Append(sortedDurations), DurationLength = durations };
            }

            AddScalar(Indicator.PercentInitiatedInteractions, c, filter, (double)outgoing / n);
            var totalDuration = 0.0;
            for (var k = 0; k < contacts; k++)
            {
                var d = contactDuration[touched[k]];
                second[k] = d;
                totalDuration += d;
            }

            var taken = SummaryStatistics.ParetoCount(second.AsSpan(0, contacts), totalDuration);
            AddScalar(Indicator.PercentParetoDurations, c, filter, (double)taken / n);
        }

        var counts = countScratch.AsSpan(0, contacts);
        for (var k = 0; k < contacts; k++)
        {
            var contact = touched[k];
            counts[k] = contactCount[contact];
            first[k] = contactCount[contact];
            second[k] = contactOut[contact];
        }

        // Balance: sorted as whole counts (the fast integer sort), then divided, which keeps the order.
        var balance = second.AsSpan(0, contacts);
        SummaryStatistics.Sort(balance);
        foreach (ref var b in balance)
        {
            b /= n;
        }

        var perContact = first.AsSpan(0, contacts);
        SummaryStatistics.Sort(perContact);
        AddScalar(Indicator.EntropyOfContacts, c, filter, SummaryStatistics.Entropy(counts, n));
        AddSortedSummary(Indicator.BalanceOfContacts, c, filter, balance);
        AddSortedSummary(Indicator.InteractionsPerContact, c, filter, perContact);
        var paretoTaken = SummaryStatistics.ParetoCountSorted(perContact, n);
        AddScalar(Indicator.PercentParetoInteractions, c, filter, (double)paretoTaken / n);

        var gaps = first.AsSpan(0, Math.Max(n - 1, 0));
        if (partA >= 0 && concatenated)
        {
            // Weekdays then weekend: their gaps, and the one from the last weekday record to the first weekend one.
            var gapsA = sortedParts[(partA * 2) + (int)filter].Gaps(weekA);
            var gapsB = sortedParts[(partB * 2) + (int)filter].Gaps(weekB);
            SummaryStatistics.Merge(gapsA, gapsB, gaps[..(gapsA.Length + gapsB.Length)]);
            if (hasA && hasB)
            {
                SummaryStatistics.InsertLast(gaps, (weekB.FirstTicks - weekA.LastTicks) / (double)TicksPerSecond);
            }
        }
        else
        {
            for (var k = 1; k < n; k++)
            {
                gaps[k - 1] = (records[group[k]].Ticks - records[group[k - 1]].Ticks) / (double)TicksPerSecond;
            }

            SummaryStatistics.Sort(gaps);
        }

        AddSortedSummary(Indicator.IntereventTime, c, filter, gaps);
        if (store is not null)
        {
            store.Add(stored with { GapStart = store.Append(gaps), GapLength = gaps.Length });
        }

        foreach (var contact in touched)
        {
            contactCount[contact] = 0;
            contactOut[contact] = 0;
            contactDuration[contact] = 0;
        }
    }

    /// <summary>
    /// Indicators of a week of calls and texts: active days and bandicoot's text conversations,
    /// per contact: texts less than one hour apart form a conversation, a call or a gap of an hour
    /// or more ends it. One pass in time order with each contact's open conversation in
    /// <see cref="conversationState"/>: every contact's records are met in its own time order, as
    /// bandicoot walks them; only the response delays come in another order, and they are sorted.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Conversations(BandicootUser user, int c, ReadOnlySpan<int> group)
    {
        var records = user.Records;
        var activeDays = 0;
        var lastDay = int.MinValue;
        var contacts = 0;
        var delays = valueScratch;
        var delayCount = 0;
        int closed = 0, initiated = 0, received = 0, responded = 0;
        var steps = ConversationSteps;
        foreach (var i in group)
        {
            // Few records start a day or meet a new contact; the rest of the record's step is looked up, not branched on.
            var recordDay = day[i];
            activeDays += recordDay != lastDay ? 1 : 0;
            lastDay = recordDay;
            ref readonly var r = ref records[i];
            var contact = r.Contact;
            var state = conversationState[contact];
            if (state == 0)
            {
                touchedScratch[contacts++] = contact;
                contactFirst[contact] = i;
            }

            var gap = r.Ticks - conversationLast[contact];
            int step = steps[(state << 3) | (r.Kind == RecordKind.Text ? 4 : 0) | (r.Out ? 2 : 0) | (gap >= HourTicks ? 1 : 0)];
            closed += (step >> StepCloseShift) & 1;
            initiated += (step >> StepInitiatedShift) & 1;
            received += (step >> StepReceivedShift) & 1;
            responded += (step >> StepRespondedShift) & 1;
            if ((step & StepFirstClosed) != 0)
            {
                firstHasOut[contact] = (step & StepFirstHasOut) != 0;
            }

            // Written every time, kept only for a response with a positive gap.
            delays[delayCount] = gap / (double)TicksPerSecond;
            delayCount += (step >> StepDelayShift) & (gap > 0 ? 1 : 0);
            conversationState[contact] = (byte)(step & StepState);
            conversationLast[contact] = r.Ticks;
        }

        var tally = new ConversationTally { Conversations = closed, Initiated = initiated, Received = received, Responded = responded };
        var store = conversationParts[c];
        var touched = touchedScratch.AsSpan(0, contacts);
        var stored = new ConversationWeek(week[group[0]], activeDays) { OpenStart = store?.EdgeCount ?? 0 };
        foreach (var contact in touched)
        {
            var state = conversationState[contact];
            if ((state & ConversationOpen) != 0)
            {
                store?.AddEdge(new ConversationEdge(contact, state, conversationLast[contact]));
                Close(ref tally, contact, state);
            }

            conversationState[contact] = 0;
        }

        var sortedDelays = delays.AsSpan(0, delayCount);
        SummaryStatistics.Sort(sortedDelays);
        AddConversations(c, activeDays, tally, sortedDelays);
        if (store is not null)
        {
            // The contacts whose first record is a text: how their first conversation starts and whether the user wrote in it.
            stored = stored with { OpenLength = store.EdgeCount - stored.OpenStart, FirstStart = store.EdgeCount, Tally = tally };
            foreach (var contact in touched)
            {
                ref readonly var r = ref records[contactFirst[contact]];
                if (r.Kind == RecordKind.Text)
                {
                    var state = (byte)(ConversationSeen | (r.Out ? ConversationFirstOut : 0) | (firstHasOut[contact] ? ConversationHasOut : 0));
                    store.AddEdge(new ConversationEdge(contact, state, r.Ticks));
                }
            }

            store.Add(stored with { FirstLength = store.EdgeCount - stored.FirstStart, DelayStart = store.Append(sortedDelays), DelayLength = delayCount });
        }
    }

    private void Close(ref ConversationTally tally, int contact, byte state)
    {
        tally.Close(state, 1);
        if ((state & ConversationFirst) != 0)
        {
            firstHasOut[contact] = (state & ConversationHasOut) != 0;
        }
    }

    private void AddConversations(int c, int activeDays, ConversationTally tally, ReadOnlySpan<double> sortedDelays)
    {
        AddScalar(Indicator.ActiveDays, c, InteractionFilter.CallAndText, activeDays);
        AddScalar(Indicator.PercentInitiatedConversations, c, InteractionFilter.CallAndText, tally.Conversations == 0 ? 0.0 : (double)tally.Initiated / tally.Conversations);
        AddScalar(Indicator.ResponseRateText, c, InteractionFilter.CallAndText, tally.Received == 0 ? double.NaN : (double)tally.Responded / tally.Received);
        AddSortedSummary(Indicator.ResponseDelayText, c, InteractionFilter.CallAndText, sortedDelays);
    }

    /// <summary>
    /// Conversations of a week of a whole-week cell from its weekday and weekend weeks (weekdays
    /// come first): their days, conversations and delays, except where a contact's conversation
    /// open at the end of the weekdays goes on into the weekend (the contact's first weekend
    /// record is a text less than an hour later). Then the two conversations are one: it started
    /// as the weekday one did, the user wrote in it if in either, and the first weekend text may
    /// be a response.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void MergedConversations(int c, int weekKey)
    {
        var (partA, partB, _) = derivations[c];
        var a = conversationParts[partA]!;
        var b = conversationParts[partB]!;
        TakeWeek(a.Weeks, ref cursorA, weekKey, out var weekA);
        TakeWeek(b.Weeks, ref cursorB, weekKey, out var weekB);
        var tally = weekA.Tally;
        tally.Add(weekB.Tally);
        var delaysA = a.Delays(weekA);
        var delaysB = b.Delays(weekB);
        var delayCount = delaysA.Length + delaysB.Length;
        SummaryStatistics.Merge(delaysA, delaysB, valueScratch.AsSpan(0, delayCount));
        var firsts = b.Edges(weekB.FirstStart, weekB.FirstLength);
        foreach (var f in firsts)
        {
            conversationState[f.Contact] = f.State;
            conversationLast[f.Contact] = f.Ticks;
        }

        foreach (var e in a.Edges(weekA.OpenStart, weekA.OpenLength))
        {
            var f = conversationState[e.Contact];
            var ticks = conversationLast[e.Contact];
            if (f != 0 && ticks - e.Ticks < HourTicks)
            {
                tally.Close(e.State, -1);
                tally.Close(f, -1);
                tally.Close((byte)((e.State & (ConversationFirstOut | ConversationHasOut)) | (f & ConversationHasOut)), 1);
                if ((e.State & ConversationLastOut) == 0 && (f & ConversationFirstOut) != 0)
                {
                    var delay = (ticks - e.Ticks) / (double)TicksPerSecond;
                    if (delay > 0)
                    {
                        SummaryStatistics.InsertLast(valueScratch.AsSpan(0, ++delayCount), delay);
                    }
                }
            }
        }

        foreach (var f in firsts)
        {
            conversationState[f.Contact] = 0;
        }

        AddConversations(c, weekA.ActiveDays + weekB.ActiveDays, tally, valueScratch.AsSpan(0, delayCount));
    }

    /// <summary>A contact at an edge of a cell's week: its state and time at the end, or how its first conversation starts.</summary>
    private readonly record struct ConversationEdge(int Contact, byte State, long Ticks);

    /// <summary>One week of a finished cell's conversations (see <see cref="MergedConversations"/>).</summary>
    private readonly record struct ConversationWeek(int Week, int ActiveDays) : IWeekEntry
    {
        public ConversationTally Tally { get; init; }

        public int OpenStart { get; init; }

        public int OpenLength { get; init; }

        public int FirstStart { get; init; }

        public int FirstLength { get; init; }

        public int DelayStart { get; init; }

        public int DelayLength { get; init; }
    }

    /// <summary>A weekday or weekend cell's conversations, week by week, for the whole-week cell made from it.</summary>
    private sealed class ConversationParts
    {
        private double[] delays = new double[256];
        private int delayCount;
        private ConversationEdge[] edges = new ConversationEdge[256];

        public List<ConversationWeek> Weeks { get; } = [];

        public int EdgeCount { get; private set; }

        public void Clear()
        {
            Weeks.Clear();
            delayCount = 0;
            EdgeCount = 0;
        }

        public void Add(ConversationWeek week) => Weeks.Add(week);

        public void AddEdge(ConversationEdge edge)
        {
            if (EdgeCount == edges.Length)
            {
                Array.Resize(ref edges, edges.Length * 2);
            }

            edges[EdgeCount++] = edge;
        }

        public int Append(ReadOnlySpan<double> sorted)
        {
            if (delayCount + sorted.Length > delays.Length)
            {
                Array.Resize(ref delays, Math.Max(delayCount + sorted.Length, delays.Length * 2));
            }

            sorted.CopyTo(delays.AsSpan(delayCount));
            delayCount += sorted.Length;
            return delayCount - sorted.Length;
        }

        public ReadOnlySpan<ConversationEdge> Edges(int start, int length) => edges.AsSpan(start, length);

        public ReadOnlySpan<double> Delays(ConversationWeek week) => delays.AsSpan(week.DelayStart, week.DelayLength);
    }

    // A contact's conversation state in a Conversations pass (0: not met yet).
    private const byte ConversationSeen = 1;
    private const byte ConversationOpen = 2;
    private const byte ConversationFirstOut = 4;
    private const byte ConversationHasOut = 8;
    private const byte ConversationLastOut = 16;
    private const byte ConversationFirst = 32;

    // A Conversations step: the contact's next state (low 6 bits) and what the record did.
    private const int StepState = 63;
    private const int StepCloseShift = 6;
    private const int StepInitiatedShift = 7;
    private const int StepReceivedShift = 8;
    private const int StepRespondedShift = 9;
    private const int StepDelayShift = 10;
    private const int StepFirstClosed = 1 << 11;
    private const int StepFirstHasOut = 1 << 12;

    /// <summary><see cref="ConversationStep"/> for every (state, text, out, gap of an hour or more), indexed (state·8) | text·4 | out·2 | long gap.</summary>
    private static readonly ushort[] ConversationSteps = [.. Enumerable.Range(0, 64 * 8).Select(k => ConversationStep((byte)(k >> 3), (k & 4) != 0, (k & 2) != 0, (k & 1) != 0))];

    /// <summary>
    /// One record of a contact in bandicoot's conversation rules: texts less than an hour apart
    /// form a conversation, a call or a longer gap closes it. From the contact's state before
    /// the record (0: not met yet), gives the state after it (<see cref="StepState"/>), whether a
    /// conversation closed (and how it had started, whether the user wrote in it, whether it was
    /// the contact's first) and whether the record is a response (its delay counts when positive).
    /// </summary>
    internal static ushort ConversationStep(byte state, bool isText, bool isOut, bool longGap)
    {
        var step = 0;
        if (state == 0)
        {
            // Marks the conversation the contact's first record opens, if a text (see ConversationParts).
            state = isText ? (byte)(ConversationFirst | ConversationSeen) : ConversationSeen;
        }

        if ((state & ConversationOpen) != 0 && (!isText || longGap))
        {
            // Counted as ConversationTally.Close counts it (and as Close marks a first conversation).
            var closed = default(ConversationTally);
            closed.Close(state, 1);
            step |= (closed.Conversations << StepCloseShift) | (closed.Initiated << StepInitiatedShift)
                | (closed.Received << StepReceivedShift) | (closed.Responded << StepRespondedShift);
            step |= (state & ConversationFirst) != 0 ? StepFirstClosed | ((state & ConversationHasOut) != 0 ? StepFirstHasOut : 0) : 0;
            state = ConversationSeen;
        }

        if (isText)
        {
            if ((state & ConversationOpen) == 0)
            {
                state = (byte)((state & ConversationFirst) | ConversationSeen | ConversationOpen | (isOut ? ConversationFirstOut | ConversationHasOut | ConversationLastOut : 0));
            }
            else
            {
                // While a conversation is open the contact's previous record is one of its texts.
                step |= (state & ConversationLastOut) == 0 && isOut ? 1 << StepDelayShift : 0;
                state = (byte)(isOut ? state | ConversationHasOut | ConversationLastOut : state & ~ConversationLastOut);
            }
        }

        return (ushort)(step | state);
    }

    /// <summary>Closed conversations: how many, how many the user started, how many others started and how many of those the user answered.</summary>
    private struct ConversationTally
    {
        public int Conversations;
        public int Initiated;
        public int Received;
        public int Responded;

        /// <summary>Counts (<paramref name="sign"/> 1) or takes back (−1) the close of a conversation in <paramref name="state"/>.</summary>
        public void Close(byte state, int sign)
        {
            Conversations += sign;
            if ((state & ConversationFirstOut) != 0)
            {
                Initiated += sign;
            }
            else
            {
                Received += sign;
                Responded += (state & ConversationHasOut) != 0 ? sign : 0;
            }
        }

        public void Add(ConversationTally other)
        {
            Conversations += other.Conversations;
            Initiated += other.Initiated;
            Received += other.Received;
            Responded += other.Responded;
        }
    }

    /// <summary>
    /// Bins records by 30 minutes (bandicoot's key: year, day of month, hour, half hour; only
    /// consecutive records share a bin) and keeps each bin's most frequent position, the first
    /// one in time order on a tie, into <see cref="binned"/>; returns how many bins.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Bin(BandicootUser user, ReadOnlySpan<int> group)
    {
        var records = user.Records;
        var output = binned;
        var count = 0;
        var start = 0;
        while (start < group.Length)
        {
            var key = bin[group[start]];
            var end = start + 1;
            while (end < group.Length && bin[group[end]] == key)
            {
                end++;
            }

            if (end - start == 1)
            {
                output[count++] = records[group[start]].Position;
            }
            else
            {
                var best = 0;
                for (var k = start; k < end; k++)
                {
                    best = Math.Max(best, ++positionCount[records[group[k]].Position]);
                }

                var chosen = -1;
                for (var k = start; k < end; k++)
                {
                    var p = records[group[k]].Position;
                    if (chosen < 0 && positionCount[p] == best)
                    {
                        chosen = p;
                    }
                }

                for (var k = start; k < end; k++)
                {
                    positionCount[records[group[k]].Position] = 0;
                }

                output[count++] = chosen;
            }

            start = end;
        }

        return count;
    }

    /// <summary>Home: the most frequent binned position at night over all records (first seen wins a tie); −1 when no night record.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int ComputeHome(BandicootUser user)
    {
        var n = user.Records.Length;
        var k = 0;
        for (var i = 0; i < n; i++)
        {
            combo[k] = i;
            k += night[i] ? 1 : 0;
        }

        if (k == 0)
        {
            return -1;
        }

        var bins = Bin(user, combo.AsSpan(0, k));
        var best = -1;
        var bestCount = 0;
        var touched = 0;
        foreach (var p in binned.AsSpan(0, bins))
        {
            if (positionCount[p]++ == 0)
            {
                touchedPositions[touched++] = p;
            }
        }

        foreach (var p in touchedPositions.AsSpan(0, touched))
        {
            if (positionCount[p] > bestCount)
            {
                bestCount = positionCount[p];
                best = p;
            }
        }

        foreach (var p in touchedPositions.AsSpan(0, touched))
        {
            positionCount[p] = 0;
        }

        return best;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Spatial(BandicootUser user, int c, ReadOnlySpan<int> cell)
    {
        foreach (var (start, length) in Groups(cell))
        {
            var bins = Bin(user, cell.Slice(start, length));
            AddWeekSpatial(user, c, week[cell[start]], binned.AsSpan(0, bins));
        }
    }

    /// <summary>The spatial indicators of one group of binned positions, kept for the cells made from this one and for churn_rate.</summary>
    private void AddWeekSpatial(BandicootUser user, int c, int weekKey, ReadOnlySpan<int> positions)
    {
        spatialParts[c]?.Add(weekKey, positions);
        if (c == 0 && schema.Options.GroupBy == IndicatorGrouping.Week)
        {
            // All records, week by week: the positions churn_rate compares.
            weekPositions.Add(weekKey, positions);
        }

        AddSpatial(user, c, positions);
    }

    /// <summary>The spatial indicators of one week of binned positions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddSpatial(BandicootUser user, int c, ReadOnlySpan<int> positions)
    {
        var total = positions.Length;
        var touched = 0;
        var atHome = 0;
        double latSum = 0, lonSum = 0;
        var located = 0;
        var home = Home;
        var positionLat = user.PositionLat;
        var positionLon = user.PositionLon;
        foreach (var p in positions)
        {
            if (positionCount[p]++ == 0)
            {
                touchedPositions[touched++] = p;
            }

            atHome += p == home ? 1 : 0;
            if (!double.IsNaN(positionLat[p]))
            {
                latSum += positionLat[p];
                lonSum += positionLon[p];
                located++;
            }
        }

        var touchedSpan = touchedPositions.AsSpan(0, touched);
        var counts = countScratch.AsSpan(0, touched);
        var frequencies = valueScratch.AsSpan(0, touched);
        for (var k = 0; k < touched; k++)
        {
            counts[k] = positionCount[touchedSpan[k]];
            frequencies[k] = counts[k];
        }

        AddScalar(Indicator.NumberOfAntennas, c, InteractionFilter.All, touched);
        AddScalar(Indicator.EntropyOfAntennas, c, InteractionFilter.All, SummaryStatistics.Entropy(counts, total));
        AddScalar(Indicator.PercentAtHome, c, InteractionFilter.All, home < 0 ? double.NaN : (double)atHome / total);
        var radius = double.NaN;
        if (located > 0)
        {
            var lat0 = latSum / located;
            var lon0 = lonSum / located;
            var cosLat0 = SummaryStatistics.CosLatitude(lat0);
            var r2 = 0.0;
            foreach (var p in touchedSpan)
            {
                if (!double.IsNaN(positionLat[p]))
                {
                    var dist = SummaryStatistics.GreatCircle(lat0, lon0, cosLat0, positionLat[p], positionLon[p], positionCosLat[p]);
                    r2 += (double)positionCount[p] / located * dist * dist;
                }
            }

            radius = Math.Sqrt(r2);
        }

        AddScalar(Indicator.RadiusOfGyration, c, InteractionFilter.All, radius);
        AddScalar(Indicator.FrequentAntennas, c, InteractionFilter.All, SummaryStatistics.ParetoCount(frequencies, total));
        foreach (var p in touchedSpan)
        {
            positionCount[p] = 0;
        }
    }

    /// <summary>
    /// churn_rate: cosine distance between the position frequencies of consecutive weeks with
    /// records (always weekly, all records), reduced to mean and std. Grouping by week, the
    /// whole-week cell has already binned every week (<see cref="weekPositions"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Churn(BandicootUser user, Span<double> output)
    {
        var n = user.Records.Length;
        if (n == 0)
        {
            return;
        }

        values.Clear();
        previousTotal = 0;
        previousLength = 0;
        if (schema.Options.GroupBy == IndicatorGrouping.Week)
        {
            foreach (var w in weekPositions.Weeks)
            {
                ChurnWeek(weekPositions.Positions(w));
            }
        }
        else
        {
            var all = identity.AsSpan(0, n);
            var start = 0;
            while (start < n)
            {
                var end = start + 1;
                while (end < n && week[end] == week[start])
                {
                    end++;
                }

                ChurnWeek(binned.AsSpan(0, Bin(user, all[start..end])));
                start = end;
            }
        }

        foreach (var p in previousPositions.AsSpan(0, previousLength))
        {
            churnPrevious[p] = 0;
        }

        var (mean, std) = SummaryStatistics.MeanStd(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values));
        output[schema.ChurnSlot] = mean;
        output[schema.ChurnSlot + 1] = std;
    }

    private int previousTotal;
    private int previousLength;

    /// <summary>One week of <see cref="Churn"/>: its distance from the previous week with records, then it becomes the previous week.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ChurnWeek(ReadOnlySpan<int> positions)
    {
        var currentLength = 0;
        foreach (var p in positions)
        {
            if (churnCurrent[p]++ == 0)
            {
                currentPositions[currentLength++] = p;
            }
        }

        var previous = previousPositions.AsSpan(0, previousLength);
        var current = currentPositions.AsSpan(0, currentLength);
        var currentTotal = positions.Length;
        if (previousTotal > 0)
        {
            double dot = 0, norm1 = 0, norm2 = 0;
            foreach (var p in previous)
            {
                var f1 = (double)churnPrevious[p] / previousTotal;
                norm1 += f1 * f1;
                dot += f1 * ((double)churnCurrent[p] / currentTotal);
            }

            foreach (var p in current)
            {
                var f2 = (double)churnCurrent[p] / currentTotal;
                norm2 += f2 * f2;
            }

            values.Add(1 - (dot / (Math.Sqrt(norm1) * Math.Sqrt(norm2))));
        }

        foreach (var p in previous)
        {
            churnPrevious[p] = 0;
        }

        foreach (var p in current)
        {
            churnPrevious[p] = churnCurrent[p];
            churnCurrent[p] = 0;
        }

        (previousPositions, currentPositions) = (currentPositions, previousPositions);
        previousLength = currentLength;
        previousTotal = currentTotal;
    }

    /// <summary>Reduces each instance's per-group values: mean and std over groups (NaN dropped), or the single group's value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Reduce(Span<double> output)
    {
        var weekly = schema.Options.GroupBy == IndicatorGrouping.Week;
        foreach (var instance in schema.Instances)
        {
            var slot = instance.Slot;
            var kept = instance.Summary ? schema.KeptStatistics : 1;
            for (var s = 0; s < kept; s++)
            {
                var list = accumulators[instance.Accumulator + s];
                if (weekly)
                {
                    var (mean, std) = SummaryStatistics.MeanStd(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list));
                    output[slot++] = mean;
                    output[slot++] = std;
                }
                else
                {
                    output[slot++] = list.Count == 0 ? double.NaN : list[0];
                }
            }
        }
    }
}
