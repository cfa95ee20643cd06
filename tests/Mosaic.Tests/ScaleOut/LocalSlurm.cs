using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Mosaic.Tests.ScaleOut;

/// <summary>
/// A throwaway Slurm: slurmctld and slurmd on the loopback interface, configured in a temporary
/// folder (auth/none, cred/none, free ports, no system paths), stopped on dispose. Null from
/// <see cref="TryStart"/> (with the reason) when Debian's slurm-wlm is not installed.
/// </summary>
public sealed class LocalSlurm : IDisposable
{
    private readonly TempFolder temp = new();
    private readonly List<Process> daemons = [];

    private LocalSlurm()
    {
    }

    public string ConfigPath => temp.File("slurm.conf");

    public string Folder => temp.Path;

    public static LocalSlurm? TryStart(out string reason)
    {
        foreach (var daemon in new[] { "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/sbatch", "/usr/bin/squeue" })
        {
            if (!File.Exists(daemon))
            {
                reason = $"skipped: {daemon} is not installed (apt-get install slurm-wlm)";
                return null;
            }
        }

        var slurm = new LocalSlurm();
        try
        {
            slurm.Start();
        }
        catch
        {
            slurm.Dispose();
            throw;
        }

        reason = "";
        return slurm;
    }

    private void Start()
    {
        var host = Run("hostname", "-s").Trim();
        var user = Environment.UserName;
        foreach (var sub in new[] { "state", "spool", "log" })
        {
            Directory.CreateDirectory(temp.File(sub));
        }

        File.WriteAllText(ConfigPath, string.Create(CultureInfo.InvariantCulture, $"""
            ClusterName=mosaictest
            SlurmctldHost={host}(127.0.0.1)
            SlurmctldPort={FreePort()}
            SlurmdPort={FreePort()}
            AuthType=auth/none
            CredType=cred/none
            SlurmUser={user}
            SlurmdUser={user}
            StateSaveLocation={temp.File("state")}
            SlurmdSpoolDir={temp.File("spool")}
            SlurmctldPidFile={temp.File("slurmctld.pid")}
            SlurmdPidFile={temp.File("slurmd.pid")}
            SlurmctldLogFile={temp.File("log/slurmctld.log")}
            SlurmdLogFile={temp.File("log/slurmd.log")}
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            SchedulerType=sched/builtin
            SelectType=select/cons_tres
            SelectTypeParameters=CR_Core
            MpiDefault=none
            ReturnToService=2
            JobAcctGatherType=jobacct_gather/none
            AccountingStorageType=accounting_storage/none
            SwitchType=switch/none
            NodeName={host} NodeAddr=127.0.0.1 CPUs={Environment.ProcessorCount} RealMemory=1000 State=UNKNOWN
            PartitionName=test Nodes={host} Default=YES MaxTime=INFINITE State=UP

            """));
        // The commands (sbatch, squeue) the code under test starts find this configuration.
        Environment.SetEnvironmentVariable("SLURM_CONF", ConfigPath);
        daemons.Add(Daemon("/usr/sbin/slurmctld", "-D", "-i", "-f", ConfigPath));
        daemons.Add(Daemon("/usr/sbin/slurmd", "-D", "-f", ConfigPath, "-N", host));
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (daemons.Any(d => d.HasExited))
            {
                throw new InvalidOperationException("a Slurm daemon exited at start; logs in " + temp.File("log"));
            }

            var state = TryRun("/usr/bin/sinfo", "-h", "-o", "%t");
            if (state is not null && state.Trim() == "idle")
            {
                return;
            }

            Thread.Sleep(500);
        }

        throw new TimeoutException("the local Slurm node did not become idle within 60 s; logs in " + temp.File("log"));
    }

    /// <summary>Waits until no job of this Slurm is queued or running.</summary>
    public static bool WaitForEmptyQueue(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            var queue = TryRun("/usr/bin/squeue", "-h", "-o", "%i");
            if (queue is not null && queue.Trim().Length == 0)
            {
                return true;
            }

            Thread.Sleep(1000);
        }

        return false;
    }

    public void Dispose()
    {
        TryRun("/usr/bin/scancel", "--full", "--user", Environment.UserName);
        foreach (var daemon in Enumerable.Reverse(daemons))
        {
            try
            {
                if (!daemon.HasExited)
                {
                    daemon.Kill(entireProcessTree: true);
                    daemon.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            daemon.Dispose();
        }

        if (Environment.GetEnvironmentVariable("SLURM_CONF") == ConfigPath)
        {
            Environment.SetEnvironmentVariable("SLURM_CONF", null);
        }

        temp.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Process Daemon(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = false, RedirectStandardError = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }

    private static string Run(string program, params string[] args) =>
        TryRun(program, args) ?? throw new InvalidOperationException($"{program} failed");

    private static string? TryRun(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : null;
    }
}
