using System.Globalization;
using System.Text;
using Mosaic.Data;

namespace Mosaic.Tests.Reporting;

/// <summary>
/// Writes a small, deterministic run folder and data folder in the formats issues 6–8 fix
/// (a 3×3 grid of districts near Istanbul, three groups, four weeks), so that the report can
/// be tested without the real stages. <see cref="Stages"/> chooses which stage folders exist;
/// <see cref="DropColumns"/> removes promised columns to test graceful degradation.
/// </summary>
internal sealed class ReportFixture
{
    public const int Districts = 9;

    public ISet<string> Stages { get; init; } = new HashSet<string> { "integration", "segregation", "mitigation" };

    public ISet<string> DropColumns { get; init; } = new HashSet<string>();

    public bool WithCalls { get; init; } = true;

    /// <summary>Whether integration/roc.csv is written (runs from before issue 9 lack it).</summary>
    public bool WithRoc { get; init; } = true;

    public (string Run, string Data) Write(string root)
    {
        var data = Path.Combine(root, "data");
        var run = Path.Combine(root, "run");
        Directory.CreateDirectory(data);
        Directory.CreateDirectory(run);
        WriteData(data);
        if (Stages.Contains("integration"))
        {
            WriteIntegration(Path.Combine(run, "integration"), data);
        }

        if (Stages.Contains("segregation"))
        {
            WriteSegregation(Path.Combine(run, "segregation"), data);
        }

        if (Stages.Contains("mitigation"))
        {
            WriteMitigation(Path.Combine(run, "mitigation"), data);
        }

        return (run, data);
    }

    private static string I(double v) => v.ToString("0.######", CultureInfo.InvariantCulture);

    private void Csv(string folder, string name, string header, IEnumerable<string> rows)
    {
        Directory.CreateDirectory(folder);
        var columns = header.Split(',');
        var keep = columns.Select((c, i) => (c, i)).Where(x => !DropColumns.Contains(x.c)).Select(x => x.i).ToArray();
        var text = new StringBuilder();
        text.Append(string.Join(',', keep.Select(i => columns[i]))).Append('\n');
        foreach (var row in rows)
        {
            var cells = row.Split(',');
            text.Append(string.Join(',', keep.Select(i => cells[i]))).Append('\n');
        }

        File.WriteAllText(Path.Combine(folder, name), text.ToString());
    }

    private static void Manifest(string folder, string stage, string data) => File.WriteAllText(
        Path.Combine(folder, "manifest.json"),
        $$"""{ "stage": "{{stage}}", "version": "0.1.0", "parameters": { "data": "{{data.Replace("\\", "\\\\", StringComparison.Ordinal)}}", "k": "15" }, "inputs": [ { "path": "calls.parquet", "bytes": 1234, "sha256": "abc123" } ], "counts": { "rows": 42 }, "timings_seconds": { "total": 1.5 }, "finished_utc": "2026-11-22T00:00:00Z" }""");

    private void WriteData(string data)
    {
        // A 3×3 grid of 0.05° squares; district 5 (the centre) has a hole to exercise inner rings.
        var features = new List<string>();
        for (var d = 0; d < Districts; d++)
        {
            var x = 28.9 + (0.05 * (d % 3));
            var y = 41.0 + (0.05 * (d / 3));
            var ring = $"[[{I(x)},{I(y)}],[{I(x + 0.05)},{I(y)}],[{I(x + 0.05)},{I(y + 0.05)}],[{I(x)},{I(y + 0.05)}],[{I(x)},{I(y)}]]";
            var hole = d == 4 ? $",[[{I(x + 0.02)},{I(y + 0.02)}],[{I(x + 0.02)},{I(y + 0.03)}],[{I(x + 0.03)},{I(y + 0.03)}],[{I(x + 0.03)},{I(y + 0.02)}],[{I(x + 0.02)},{I(y + 0.02)}]]" : "";
            features.Add($$"""{"type":"Feature","properties":{"district_id":{{d + 1}},"name":"District {{d + 1}}"},"geometry":{"type":"Polygon","coordinates":[""" + ring + hole + "]}}");
        }

        File.WriteAllText(Path.Combine(data, "districts.geojson"), $$"""{"type":"FeatureCollection","features":[{{string.Join(",\n", features)}}]}""");
        using var session = new DuckDbSession(new EngineOptions(Threads: 1));
        session.Execute(CanonicalTables.CreateStatement(CanonicalTables.Districts));
        session.Execute("INSERT INTO districts SELECT i::INTEGER, 'District ' || i, 10000 + 1000 * i, 1000 + 100 * i, 500 + 50 * i FROM range(1, 10) t(i)");
        session.CopyToParquet("SELECT * FROM districts ORDER BY district_id", Path.Combine(data, "districts.parquet"));
        if (WithCalls)
        {
            // 4 weeks from Monday 2026-01-05; 40 callers, so hours with ≥ 15 distinct callers are
            // published and the quiet 03:00 hour (only callers 1–5 call then) is suppressed.
            session.Execute(CanonicalTables.CreateStatement(CanonicalTables.Calls));
            session.Execute("""
                INSERT INTO calls
                SELECT (i % 40) + 1, ((i * 7) % 40) + 1, TIMESTAMP '2026-01-05 00:00:00' + INTERVAL (i * 613 % (28 * 24 * 60)) MINUTE,
                       60, 'call', 1, 2
                FROM range(0, 4000) t(i)
                WHERE hour(TIMESTAMP '2026-01-05 00:00:00' + INTERVAL (i * 613 % (28 * 24 * 60)) MINUTE) <> 3
                UNION ALL
                SELECT (i % 5) + 1, 7, TIMESTAMP '2026-01-06 03:00:00' + INTERVAL (i) MINUTE, 30, 'text', 1, 2 FROM range(0, 20) t(i)
                """);
            session.CopyToParquet("SELECT * FROM calls ORDER BY ALL", Path.Combine(data, "calls.parquet"));
        }

        File.WriteAllText(Path.Combine(data, "ingest_report.json"), """
            { "files": [ { "file": "/secure/in/calls.csv", "table": "calls", "rows_read": 4100, "rows_accepted": 4020, "rows_rejected": 80,
                           "rejected_by_reason": { "bad_timestamp": 50, "self_call": 30 } } ],
              "table_rows": { "calls": 4020, "subscribers": 40, "cells": 9, "districts": 9 }, "call_reject_rate": 0.0195, "failed": false }
            """);
        Manifest(data, "ingest", data);
    }

    private void WriteIntegration(string folder, string data)
    {
        string[] groups = ["local", "settled", "new"];
        Csv(folder, "groups.csv", "group,subscribers", ["local,1200", "settled,300", "new,90", "unknown,5000"]);
        var mixing = new List<string>();
        foreach (var weighting in new[] { "calls", "contacts" })
        {
            for (var week = 1; week <= 4; week++)
            {
                foreach (var caller in groups)
                {
                    foreach (var callee in groups)
                    {
                        // Planted: within-group probability falls from 0.8 to 0.5 over the weeks for migrants.
                        var same = caller == "local" ? 0.85 : 0.8 - (0.1 * (week - 1));
                        var p = caller == callee ? same : (1 - same) / 2;
                        var share = callee == "local" ? 0.7 : 0.15;
                        mixing.Add($"{week},{weighting},{caller},{callee},{I(p)},{I(p / share)}");
                    }
                }
            }
        }

        Csv(folder, "mixing.csv", "week,weighting,caller_group,callee_group,probability,homophily_ratio", mixing);
        var spatial = new List<string>();
        for (var d = 1; d <= Districts; d++)
        {
            foreach (var g in groups)
            {
                var lr = g == "local" ? 0.1 * (d - 5) / 4 : g == "settled" ? -0.8 * (d - 5) / 4 : 1.2 * (5 - d) / 4;
                spatial.Add(g == "new" && d == 9 ? $"{d},{g},,,true" : $"{d},{g},{I(Math.Exp(lr) / Districts)},{I(lr)},false");
            }
        }

        Csv(folder, "spatial.csv", "district_id,group,share,log_ratio,suppressed", spatial);
        var evolution = new List<string>();
        foreach (var feature in new[] { "activity_calls", "activity_texts", "network_degree", "mobility_radius" })
        {
            foreach (var g in groups)
            {
                for (var week = 1; week <= 4; week++)
                {
                    var mean = g == "local" ? 10 : g == "settled" ? 7 + (0.5 * week) : 4 + (1.2 * week);
                    evolution.Add($"{g},{week},{feature},{I(mean)},2,100,{I(mean - 0.6)},{I(mean + 0.6)}");
                }
            }
        }

        Csv(folder, "evolution.csv", "group,week,feature,mean,std,n,ci_low,ci_high", evolution);
        Csv(folder, "convergence.csv", "week,pair,distance", Enumerable.Range(1, 4).SelectMany(w => new[] { $"{w},new-settled,{I(2.0 - (0.3 * w))}", $"{w},new-local,{I(3.0 - (0.4 * w))}", $"{w},settled-local,{I(1.5 - (0.1 * w))}" }));
        Csv(folder, "convergence_by_feature.csv", "feature,pair,first_week_gap,last_week_gap,direction", ["activity_calls,new-local,4.8,1.2,towards", "activity_calls,settled-local,2.5,1,towards", "network_degree,new-local,4.8,1.2,towards", "mobility_radius,settled-local,1,1.02,flat", "activity_texts,new-settled,0.2,0.9,away"]);
        var classification = new List<string>();
        foreach (var task in new[] { "settled_vs_local", "new_vs_rest", "three_way" })
        {
            foreach (var set in new[] { "all", "activity" })
            {
                foreach (var (test, i) in new[] { ("week2_holdout", 0), ("week3", 1), ("week4", 2) })
                {
                    var auc = (set == "all" ? 0.86 : 0.75) - (0.05 * i);
                    classification.Add($"{task},{set},{test},{400 + i},{I(auc - 0.06)},{I(auc - 0.1)},{I(auc - 0.12)},{I(auc - 0.11)},{I(auc)},{I(auc - 0.2)}");
                }
            }
        }

        Csv(folder, "classification.csv", "task,feature_set,test_set,n,accuracy,precision,recall,f1,roc_auc,pr_auc", classification);
        if (WithRoc)
        {
            // Four points per curve: (0,0), two inner points that sag with the test week, (1,1).
            var roc = new List<string>();
            foreach (var (task, classes) in new[] { ("settled_vs_local", new[] { "settled" }), ("new_vs_rest", new[] { "new" }), ("three_way", groups) })
            {
                foreach (var set in new[] { "all", "activity" })
                {
                    foreach (var cls in classes)
                    {
                        foreach (var (test, i) in new[] { ("week2_holdout", 0), ("week3", 1), ("week4", 2) })
                        {
                            roc.Add($"{task},{set},{test},{cls},inf,0,0");
                            roc.Add($"{task},{set},{test},{cls},0.8,0.1,{I(0.6 - (0.1 * i))}");
                            roc.Add($"{task},{set},{test},{cls},0.4,0.3,{I(0.85 - (0.05 * i))}");
                            roc.Add($"{task},{set},{test},{cls},0.01,1,1");
                        }
                    }
                }
            }

            Csv(folder, "roc.csv", "task,feature_set,test_set,class,threshold,fpr,tpr", roc);
        }

        Csv(folder, "misclassified_as_local.csv", "week,group,fraction", Enumerable.Range(2, 3).SelectMany(w => new[] { $"{w},settled,{I(0.2 + (0.05 * w))}", $"{w},new,{I(0.1 + (0.08 * w))}" }));
        var confusion = new List<string>();
        foreach (var test in new[] { "week2_holdout", "week4" })
        {
            foreach (var t in groups)
            {
                foreach (var p in groups)
                {
                    confusion.Add(t == "new" && p == "settled" && test == "week4" ? $"{test},{t},{p},,true" : $"{test},{t},{p},{(t == p ? 80 : 20)},false");
                }
            }
        }

        Csv(folder, "confusion_three_way.csv", "test_set,true_group,predicted_group,count,suppressed", confusion);
        Csv(folder, "coefficients.csv", "task,feature,coefficient", ["settled_vs_local,activity_calls,0.8", "settled_vs_local,network_degree,-1.4", "settled_vs_local,mobility_radius,0.05", "new_vs_rest,activity_calls,1.1", "new_vs_rest,activity_texts,-0.3"]);
        Manifest(folder, "integration", data);
    }

    private void WriteSegregation(string folder, string data)
    {
        var random = new Random(7);
        var matrices = new List<string>();
        foreach (var network in new[] { "RR", "RT", "TR", "TT" })
        {
            for (var o = 1; o <= Districts; o++)
            {
                for (var d = 1; d <= Districts; d++)
                {
                    matrices.Add($"{network},{o},{d},{(o == d ? 500 : 20) + random.Next(100)}");
                }
            }
        }

        Csv(folder, "call_matrices.csv", "network,origin_district,dest_district,calls", matrices);
        Csv(folder, "populations.csv", "district_id,refugees,hosts,refugees_from_calls,hosts_from_calls", Enumerable.Range(1, Districts).Select(d => $"{d},{100 * d},{2000 - (50 * d)},{90 * d},{1900 - (40 * d)}"));
        var tests = new List<string>();
        foreach (var comparison in new[] { "RR_vs_TT", "RT_vs_TT" })
        {
            for (var d = 1; d <= Districts; d++)
            {
                var v = 0.05 * d / (comparison == "RR_vs_TT" ? 1 : 2);
                var p = d >= 5 ? 1e-12 / d : 0.2 + (0.05 * d);
                tests.Add(d == 3 && comparison == "RT_vs_TT" ? $"{comparison},{d},,,,,,,true" : $"{comparison},{d},{I(100.0 * d)},8,{p.ToString("R", CultureInfo.InvariantCulture)},{(p * 2).ToString("R", CultureInfo.InvariantCulture)},{I(v)},{(p < 0.01 ? "true" : "false")},false");
            }
        }

        Csv(folder, "district_tests.csv", "comparison,district_id,chi2,dof,p_value,q_value,cramers_v,segregated,suppressed", tests);
        File.WriteAllText(Path.Combine(folder, "indices.json"), """
            { "refugee_host": { "dissimilarity_from_populations": 0.24, "dissimilarity_from_calls": 0.31, "gini": 0.33, "isolation": 0.12 },
              "multigroup": { "dissimilarity": 0.21, "normalized_exposure": 0.05 } }
            """);
        Manifest(folder, "segregation", data);
    }

    private void WriteMitigation(string folder, string data)
    {
        var header = "district_id," + string.Join(',', Enumerable.Range(1, Districts));
        foreach (var network in new[] { "RT", "RR" })
        {
            Csv(folder, $"mobility_{network}.csv", header, Enumerable.Range(1, Districts).Select(j => $"{j}," + string.Join(',', Enumerable.Range(1, Districts).Select(i => i == j ? "1" : "0"))));
        }

        var flows = new List<string>();
        foreach (var (network, scale) in new[] { ("RT", 1.0), ("RR", 0.5) })
        {
            for (var from = 6; from <= Districts; from++)
            {
                flows.Add($"{network},{from},{from - 5},{I(scale * 40 * (from - 5))}");
                flows.Add($"{network},{from},{from},{I(100 * from)}");
            }
        }

        Csv(folder, "flows.csv", "network,from_district,to_district,people", flows);
        Csv(folder, "rent.csv", "network,from_district,to_district,people,rent_change_per_person", flows.Where(f => f.Split(',')[1] != f.Split(',')[2]).Select(f =>
        {
            var c = f.Split(',');
            return $"{f},{I(100.0 * (int.Parse(c[2], CultureInfo.InvariantCulture) - int.Parse(c[1], CultureInfo.InvariantCulture)) + (int.Parse(c[1], CultureInfo.InvariantCulture) == 9 ? 900 : 0))}";
        }));
        Csv(folder, "pareto.csv", "point,chi2_sum,di,relocated,segregated_districts", Enumerable.Range(0, 10).Select(i => $"{i},{I(100 + (30 * i))},{I(0.5 - (0.045 * i))},{200 + (10 * i)},{3 + (i / 3)}"));
        File.WriteAllText(Path.Combine(folder, "summary.json"), """
            { "RT": { "relocated": 400, "relocated_share": 0.09, "segregated_before": 5, "segregated_after": 3, "segregation_reduced_share": 0.4, "di_before": 0.24, "di_after": 0.53, "iterations": 120, "max_violation": 1e-10 },
              "RR": { "relocated": 200, "relocated_share": 0.045, "segregated_before": 5, "segregated_after": 2, "segregation_reduced_share": 0.6, "di_before": 0.24, "di_after": 0.41, "iterations": 90, "max_violation": 2e-11 } }
            """);
        File.WriteAllText(Path.Combine(folder, "di_baseline.json"), """{ "di_before": 0.24, "di_after": 0.025, "relocated": 400, "segregated_after": 5 }""");
        File.WriteAllText(Path.Combine(folder, "rent_summary.json"), """{ "RT": { "net_total": 12000, "per_person_per_month": 247 }, "RR": { "net_total": 5000, "per_person_per_month": 213 }, "histogram": [ { "low": 0, "high": 1, "count": 1 } ] }""");
        Manifest(folder, "mitigation", data);
    }
}
