namespace Mosaic;

/// <summary>
/// Bad input or usage: the caller can fix it. The CLI maps it to exit code 2 and prints
/// <see cref="Exception.Message"/> only (never a stack trace). Messages name the file, the line
/// when known, and the reason, and never contain a subscriber identifier.
/// </summary>
public sealed class MosaicInputException : Exception
{
    /// <summary>Creates the exception from a complete, user-facing message.</summary>
    public MosaicInputException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception from a complete message and the error that caused it.</summary>
    public MosaicInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates a message of the form <c>file:line: reason</c>.</summary>
    public MosaicInputException(string file, long? line, string reason)
        : base(line is null ? $"{file}: {reason}" : $"{file}:{line}: {reason}")
    {
        File = file;
        Line = line;
    }

    /// <summary>Creates the exception with no message; prefer the other constructors.</summary>
    public MosaicInputException()
    {
    }

    /// <summary>The offending file, when there is one.</summary>
    public string? File { get; }

    /// <summary>The 1-based line in <see cref="File"/>, when known.</summary>
    public long? Line { get; }
}
