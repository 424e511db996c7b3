#!/usr/bin/env python3
"""The ratios lesson 04 states its targets in, from a Google Benchmark JSON file of bench04.

    python3 tests/04-caching/bench_ratios.py build/bench/lesson04.json [--impl solutions|exercises]

`make bench LESSON=04` writes build/bench/lesson04.json (9 repetitions, interleaved). For each
pair it prints the medians over the repetitions and their ratio:

    LRU get-hit / map find                 time per operation, target <= 3x
    LRU put (overwrite, evict) / map       time per operation, for information
    64 shards / single lock, 2 threads     operations per second, target >= 1.5x
    write-behind / write-through, SQLite   rows per second, reported
"""
import argparse
import json
import statistics
import sys


def load(path):
    data = json.load(open(path))
    runs = {}
    for b in data.get("benchmarks", []):
        if b.get("run_type") != "iteration" or b.get("error_occurred"):
            continue
        runs.setdefault(b["run_name"], []).append(b)
    return data.get("context", {}), runs


def median(runs, name, field):
    values = [b[field] for b in runs.get(name, []) if field in b]
    if not values:
        return None, 0
    return statistics.median(values), len(values)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("json")
    parser.add_argument("--impl", default="solutions", choices=["solutions", "exercises"])
    args = parser.parse_args()
    context, runs = load(args.json)
    impl = args.impl
    print(f"{args.json}: {context.get('date', '?')}, {context.get('num_cpus', '?')} CPUs, "
          f"load average {context.get('load_avg', '?')}, implementation {impl}")

    rows = [
        # (label, numerator, denominator, field, "lower is better" for the ratio, target)
        ("LRU get-hit / map find (time per op)", f"{impl}/BM_GetHit", "baseline/BM_GetHit", "real_time", "<= 3"),
        ("LRU put, overwrite / map (time per op)", f"{impl}/BM_PutOverwrite", "baseline/BM_PutOverwrite", "real_time", None),
        ("LRU put, evict / bounded map (time per op)", f"{impl}/BM_PutEvict", "baseline/BM_PutEvict", "real_time", None),
        ("TTL get-hit / map find (time per op)", f"{impl}/BM_TtlGetHit", "baseline/BM_GetHit", "real_time", None),
        ("sharded get-hit, 1 thread / map find (time per op)", f"{impl}/BM_ShardedGetHit", "baseline/BM_GetHit", "real_time", None),
        ("64 shards / single lock, 1 thread (ops/s)", f"{impl}/BM_MixedLoad_Sharded64/real_time/threads:1",
         f"{impl}/BM_MixedLoad_SingleLock/real_time/threads:1", "items_per_second", None),
        ("64 shards / single lock, 2 threads (ops/s)", f"{impl}/BM_MixedLoad_Sharded64/real_time/threads:2",
         f"{impl}/BM_MixedLoad_SingleLock/real_time/threads:2", "items_per_second", ">= 1.5"),
        ("16 shards / single lock, 2 threads (ops/s)", f"{impl}/BM_MixedLoad_Sharded16/real_time/threads:2",
         f"{impl}/BM_MixedLoad_SingleLock/real_time/threads:2", "items_per_second", None),
        ("single lock, 2 threads / 1 thread (ops/s)", f"{impl}/BM_MixedLoad_SingleLock/real_time/threads:2",
         f"{impl}/BM_MixedLoad_SingleLock/real_time/threads:1", "items_per_second", None),
        ("64 shards, 2 threads / 1 thread (ops/s)", f"{impl}/BM_MixedLoad_Sharded64/real_time/threads:2",
         f"{impl}/BM_MixedLoad_Sharded64/real_time/threads:1", "items_per_second", None),
        ("16 shards, 2 threads / 1 thread (ops/s)", f"{impl}/BM_MixedLoad_Sharded16/real_time/threads:2",
         f"{impl}/BM_MixedLoad_Sharded16/real_time/threads:1", "items_per_second", None),
        ("write-behind / write-through, SQLite (rows/s)", f"{impl}/BM_SqliteWriteBehind/real_time", f"{impl}/BM_SqliteWriteThrough/real_time",
         "items_per_second", None),
    ]
    status = 0
    for label, num, den, field, target in rows:
        a, na = median(runs, num, field)
        b, nb = median(runs, den, field)
        if a is None or b is None:
            print(f"  {label:52} missing ({num if a is None else den} not in the file)")
            continue
        ratio = a / b
        unit = "ns" if field == "real_time" else "/s"
        verdict = ""
        if target:
            op, value = target.split()
            ok = ratio <= float(value) if op == "<=" else ratio >= float(value)
            verdict = f"  target {target}: {'met' if ok else 'MISSED'}"
            status |= 0 if ok else 1
        print(f"  {label:52} {ratio:6.2f}x   ({a:,.4g} vs {b:,.4g} {unit}, medians of {na} and {nb}){verdict}")
    return status


if __name__ == "__main__":
    sys.exit(main())
