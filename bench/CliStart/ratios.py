"""Prints each hyperfine result against the first (the reference): medians, their ratio, and user+system CPU time.
Usage: python3 ratios.py HYPERFINE.json PREFIX"""
import json
import sys

results = json.load(open(sys.argv[1]))["results"]
prefix = sys.argv[2]
reference = results[0]


def ms(x):
    return x["median"] * 1000


def cpu(x):
    return (x["user"] + x["system"]) * 1000


for x in results[1:]:
    print(f"{prefix}{x['command']} vs {reference['command']}, median of {len(x['times'])}: {ms(x):.1f} ms vs {ms(reference):.1f} ms, "
          f"ratio {ms(x) / ms(reference):.2f}; CPU {cpu(x):.0f} ms vs {cpu(reference):.0f} ms")
