#!/usr/bin/env bash
# status.sh JOBID — prints running, success or failed, as a scheduler's status command must.
# success/failed from the exit code the job wrote; a job whose process group is gone without one
# was killed (cancelled, out of memory, node lost): failed. The answer is kept in <job>/state.
set -uo pipefail
dir=${ESMFLOW_QUEUE:-.snakemake/local-queue}/$1
if [[ ! -d $dir ]]; then
    echo failed
    exit 0
fi
if [[ -f $dir/exit_code ]]; then
    if [[ $(cat "$dir/exit_code") == 0 ]]; then state=success; else state=failed; fi
elif [[ ! -f $dir/pid ]]; then
    state=running # submitted, not started yet
elif kill -0 -- "-$(cat "$dir/pid")" 2>/dev/null; then
    state=running
elif [[ -f $dir/exit_code ]]; then
    state=running # ended between the two checks: the next check reads its exit code
else
    state=failed
fi
echo "$state" >"$dir/state"
echo "$state"
