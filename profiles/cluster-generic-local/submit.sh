#!/usr/bin/env bash
# submit.sh JOBSCRIPT — a scheduler's submit command on one machine (cluster-generic executor).
# Starts the job script as a job of its own: a new session (its own process group, detached from
# Snakemake, like a batch job on a node), with its state in a folder of the queue
# (${ESMFLOW_QUEUE:-.snakemake/local-queue}/<job id>/): jobscript.sh, pid, out.log, and exit_code
# once it ended. Prints the job id, as `sbatch --parsable` does.
set -euo pipefail
jobscript=$1
queue=${ESMFLOW_QUEUE:-.snakemake/local-queue}
mkdir -p "$queue"
id=$(date +%s%N)$RANDOM
dir=$queue/$id
mkdir "$dir"
cp "$jobscript" "$dir/jobscript.sh"
echo submitted >"$dir/state"
# The job: record its pid (= its process group, setsid made it the leader), run, then write the
# exit code through a temporary name; a job killed before that has no exit_code: status says failed.
setsid nohup bash -c '
    echo $$ >"$1/pid.tmp" && mv "$1/pid.tmp" "$1/pid"
    bash "$1/jobscript.sh" >"$1/out.log" 2>&1
    echo $? >"$1/exit_code.tmp" && mv "$1/exit_code.tmp" "$1/exit_code"
' job "$dir" </dev/null >/dev/null 2>&1 &
echo "$id"
