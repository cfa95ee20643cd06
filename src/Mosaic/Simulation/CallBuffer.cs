namespace Mosaic.Simulation;

/// <summary>A block of generated calls in columnar form, in generation order.</summary>
internal sealed class CallBuffer(int capacity)
{
    public long[] Caller = new long[capacity];
    public long[] Callee = new long[capacity];
    public DateTime[] Start = new DateTime[capacity];
    public int[] Duration = new int[capacity];
    public bool[] IsText = new bool[capacity];
    public int[] CallerCell = new int[capacity];
    public int[] CalleeCell = new int[capacity];

    public int Count { get; private set; }

    /// <summary>Appends one call; cells are 0-based indices (written as 1-based ids).</summary>
    public void Add(long caller, long callee, DateTime start, int duration, bool isText, int callerCell, int calleeCell)
    {
        if (Count == Caller.Length)
        {
            Grow();
        }

        Caller[Count] = caller;
        Callee[Count] = callee;
        Start[Count] = start;
        Duration[Count] = duration;
        IsText[Count] = isText;
        CallerCell[Count] = callerCell;
        CalleeCell[Count] = calleeCell;
        Count++;
    }

    private void Grow()
    {
        var size = Math.Max(16, Caller.Length * 2);
        Array.Resize(ref Caller, size);
        Array.Resize(ref Callee, size);
        Array.Resize(ref Start, size);
        Array.Resize(ref Duration, size);
        Array.Resize(ref IsText, size);
        Array.Resize(ref CallerCell, size);
        Array.Resize(ref CalleeCell, size);
    }
}
