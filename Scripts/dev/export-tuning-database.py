#!/usr/bin/env python3
"""Turns a local Suanli tuning cache into entries of the shipped tuning database.

    Scripts/dev/export-tuning-database.py [--cache FILE] [--database FILE] [--family PREFIX ...] [--dry-run]

After `suanli bench --suite gemm --retune` on a device, the tuning cache (`$SUANLI_CACHE_DIR/tuning.json`,
else `$XDG_CACHE_HOME/suanli/tuning.json`, else `~/.cache/suanli/tuning.json`) holds, per device,
driver, precision and kernel hash, the configuration the tuner chose with what it measured. This
script copies every such record into the database (default `Kernels/tuning-database.json`), one
entry per device family, precision and kernel hash; a record replaces the entry with the same
three keys. Records without measurements (written by older versions, or by the engine GEMMs) are
skipped and counted. The database is rewritten atomically, entries sorted.

Only contribute what you measured: the entries carry the device, driver, date, GFLOP/s and the
suanli version and commit of the run, and suanli uses an entry only when the kernel hash matches
its own kernels.
"""
import argparse
import json
import os
import sys
import tempfile

FORMAT = 1
PROVENANCE = ["device", "driver", "platform", "date", "gflops", "runner_up", "runner_up_gflops", "shape",
              "suanli_version", "commit"]
REQUIRED = ["config", "family", "precision", "kernel_hash", "device", "driver", "platform", "date", "gflops",
            "shape", "commit"]


def default_cache():
    env = os.environ
    if env.get("SUANLI_CACHE_DIR"):
        return os.path.join(env["SUANLI_CACHE_DIR"], "tuning.json")
    if env.get("XDG_CACHE_HOME"):
        return os.path.join(env["XDG_CACHE_HOME"], "suanli", "tuning.json")
    return os.path.join(os.path.expanduser("~"), ".cache", "suanli", "tuning.json")


def fail(message):
    print(f"export-tuning-database: {message}", file=sys.stderr)
    sys.exit(2)


def read_json(path, what):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        fail(f"{what} {path} does not exist")
    except (OSError, json.JSONDecodeError) as error:
        fail(f"{what} {path} cannot be read: {error}")


def entry_from_record(record):
    """The database entry of one cache record, or None when the record lacks measurements."""
    if not isinstance(record, dict) or any(record.get(k) in (None, "") for k in REQUIRED):
        return None
    if record.get("commit") == "unknown":
        return None
    provenance = {k: record[k] for k in PROVENANCE if record.get(k) is not None}
    for k in ("gflops", "runner_up_gflops"):
        if isinstance(provenance.get(k), float):
            provenance[k] = round(provenance[k], 2)
    return {"family": record["family"], "precision": record["precision"], "kernel_hash": record["kernel_hash"],
            "config": record["config"], "provenance": provenance}


def key(entry):
    return (entry["family"], entry["precision"], entry["kernel_hash"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", default=default_cache(), help="the tuning cache to read (default: %(default)s)")
    parser.add_argument("--database", default="Kernels/tuning-database.json", help="the database to update (default: %(default)s)")
    parser.add_argument("--family", action="append", default=[],
                        help="export only families starting with PREFIX (repeatable), e.g. nvidia:sm_90")
    parser.add_argument("--dry-run", action="store_true", help="print the entries, change nothing")
    args = parser.parse_args()

    cache = read_json(args.cache, "tuning cache")
    if not isinstance(cache, dict):
        fail(f"tuning cache {args.cache} is not a JSON object")
    if os.path.exists(args.database):
        database = read_json(args.database, "database")
        if not isinstance(database, dict) or database.get("format") != FORMAT or not isinstance(database.get("entries"), list):
            fail(f"database {args.database} is not a format-{FORMAT} tuning database")
    else:
        database = {"format": FORMAT, "entries": []}

    entries = {key(e): e for e in database["entries"]}
    exported, skipped = [], 0
    for record in cache.values():
        entry = entry_from_record(record)
        if entry is None:
            skipped += 1
            continue
        if args.family and not any(entry["family"].startswith(p) for p in args.family):
            continue
        old = entries.get(key(entry))
        entries[key(entry)] = entry
        exported.append(entry)
        change = "new" if old is None else f"replaces {old['config']} ({old['provenance'].get('date', '?')})"
        print(f"{entry['family']} {entry['precision']} {entry['kernel_hash']}: {entry['config']} "
              f"{entry['provenance']['gflops']:.1f} GFLOP/s on {entry['provenance']['device']} [{change}]")
    if skipped:
        print(f"{skipped} cache record(s) without measurements skipped (older suanli, engine GEMMs, or a build outside git)")
    if not exported:
        print("nothing to export")
        return
    if args.dry_run:
        return
    result = {"format": FORMAT, "entries": sorted(entries.values(), key=key)}
    folder = os.path.dirname(os.path.abspath(args.database))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tuning-database.", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(temporary, args.database)
    print(f"wrote {len(result['entries'])} entries to {args.database}")


if __name__ == "__main__":
    main()
