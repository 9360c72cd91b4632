# c-runner as a container: Node 24, bubblewrap, gcc; the server runs as a non-root user, so per-job process
# limits come from RLIMIT_NPROC set inside each sandbox's user namespace.
#
# The runtime must allow bubblewrap's user namespaces, mounts and a private /proc. With podman:
#   podman run --rm -p 5555:5555 --security-opt unmask=ALL c-runner
# (podman's default seccomp profile already allows unshare; unmask=ALL leaves /proc unmasked so that bwrap can
# mount the sandbox's own procfs.) Docker's default seccomp and AppArmor profiles block unshare and mount.
FROM node:24-bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/c-runner
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

COPY sandbox/c-runner-sandbox.c sandbox/
RUN mkdir -p sandbox/build \
 && gcc -std=gnu17 -O2 -Wall -Wextra -Werror -o sandbox/build/c-runner-sandbox sandbox/c-runner-sandbox.c
COPY src/ src/

RUN useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin c-runner
USER c-runner

ENV HOST=0.0.0.0 PORT=5555 NODE_ENV=production
EXPOSE 5555
HEALTHCHECK --interval=30s --timeout=10s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:5555/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "src/main.ts"]
