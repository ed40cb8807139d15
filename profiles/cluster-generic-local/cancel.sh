#!/usr/bin/env bash
# cancel.sh JOBID... — ends each job's whole process group (the job script and what it started).
queue=${ESMFLOW_QUEUE:-.snakemake/local-queue}
for id in "$@"; do
    if [[ -f $queue/$id/pid ]]; then
        kill -TERM -- "-$(cat "$queue/$id/pid")" 2>/dev/null || true
        echo cancelled >"$queue/$id/cancelled"
    fi
done
