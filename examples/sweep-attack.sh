#!/usr/bin/env bash
# Attack on the start-up sweep of stale job directories: plants in JOB_ROOT (made world-writable and sticky, like
# /tmp) every trap a local user could set before c-runner starts there:
#   03  another user's c_exec_ directory with an owner mark naming a dead pid, written by that user;
#   04  a directory of a sandbox uid whose mark a job (that uid) wrote, not the server;
#   05  the mark is a FIFO (reading it would wait forever for a writer);
#   06  the mark is a directory (EISDIR);
#   07  a file where a job directory would be (ENOTDIR);
#   08  a symlink named like a job directory, to VICTIM_DIR outside, which holds a stale-looking mark;
#   09  the mark is a symlink to that stale-looking mark;
# and, beside them, the real stale directories of a dead instance: 01 (the server's, with a read-only subtree) and
# 02 (chowned to a sandbox uid, as a job leaves it).
# Usage, as root: examples/sweep-attack.sh JOB_ROOT VICTIM_DIR OTHER_UID SLOT_UID
#   (SLOT_UID: one of the server's sandbox uids, C_RUNNER_UID_BASE + n; OTHER_UID: none of them.)
# Expected: c-runner started with C_RUNNER_JOB_ROOT=JOB_ROOT starts promptly, removes 01 and 02 ("swept": 2),
# leaves 03-09 as they are and VICTIM_DIR untouched. Run by test/integration/sweep.test.ts.
set -euo pipefail
root=$1 victim=$2 other=$3 slot=$4
chmod 1777 "$root"
dead=$(sh -c 'echo $$')
mark="{\"pid\":$dead,\"start\":\"1\"}"
job() { printf '%s/c_exec_00000000-0000-4000-8000-%012d' "$root" "$1"; }
tree() {
	mkdir -p -m 700 "$1/sub"
	for file in 0 1 2; do echo x > "$1/sub/f$file"; done
}
umask 022

tree "$(job 1)"; echo "$mark" > "$(job 1)/.owner"; chmod 600 "$(job 1)/.owner"; chmod 500 "$(job 1)/sub"
tree "$(job 2)"; chown -R "$slot:$slot" "$(job 2)"; echo "$mark" > "$(job 2)/.owner"; chmod 600 "$(job 2)/.owner"

tree "$(job 3)"; echo "$mark" > "$(job 3)/.owner"; chown -R "$other:$other" "$(job 3)"
tree "$(job 4)"; echo "$mark" > "$(job 4)/.owner"; chown -R "$slot:$slot" "$(job 4)"
mkdir -m 700 "$(job 5)"; mkfifo "$(job 5)/.owner"; chown -R "$slot:$slot" "$(job 5)"
mkdir -p "$(job 6)/.owner"
echo "$mark" > "$(job 7)"
echo "$mark" > "$victim/.owner"; ln -s "$victim" "$(job 8)"
mkdir -m 700 "$(job 9)"; ln -s "$victim/.owner" "$(job 9)/.owner"
