# c-runner as a container: Node 24, bubblewrap, gcc, tcc; the server runs as a non-root user, so per-job process
# limits come from RLIMIT_NPROC set inside each sandbox's user namespace.
#
# No --privileged, no added capabilities, no host cgroups, no Docker socket. The strongest sandbox policy needs:
#   podman run --rm -p 5555:5555 --security-opt unmask=ALL --security-opt seccomp=deploy/seccomp.json \
#     --cap-drop ALL --read-only --tmpfs /tmp:rw,exec,nosuid,nodev,size=512m,mode=1777 c-runner
#   docker run --rm -p 5555:5555 --security-opt systempaths=unconfined --security-opt seccomp=deploy/seccomp.json \
#     --security-opt apparmor=unconfined --cap-drop ALL --read-only --tmpfs /tmp:rw,exec,nosuid,nodev,size=512m,mode=1777 c-runner
# unmask=ALL / systempaths=unconfined: /proc unmasked, so bwrap can mount each sandbox's own procfs;
# seccomp=deploy/seccomp.json: the runtime's default profile plus unshare, clone, setns, mount, umount2,
# pivot_root and sethostname without CAP_SYS_ADMIN (Docker's default refuses them); apparmor=unconfined: Docker's
# default AppArmor profile refuses mount. With less, the server picks the strongest policy that works and reports it
# in /health, or refuses to start. See deploy/README.md; `npm run test:container` checks all of it.
# What is built from dev dependencies, in a stage of its own: the playground page, bundled from npm packages (the
# image keeps only the three files it serves), and the server, src/ compiled to JavaScript in dist/ (what npm start
# runs too: scripts/build-server.mjs).
FROM node:24-bookworm-slim AS build
WORKDIR /build
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY scripts/build-playground.mjs scripts/build-server.mjs scripts/
COPY playground/index.html playground/main.js playground/style.css playground/
RUN node scripts/build-playground.mjs
COPY src/ src/
RUN node scripts/build-server.mjs

FROM node:24-bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap gcc g++ libc6-dev libseccomp-dev tcc \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/c-runner
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

# The launcher is used only by a root server with job cgroups; the image runs unprivileged, but may be run as root.
COPY sandbox/c-runner-sandbox.c sandbox/c-runner-launch.c sandbox/command.h sandbox/
RUN mkdir -p sandbox/build \
 && gcc -std=gnu17 -O2 -Wall -Wextra -Werror -o sandbox/build/c-runner-sandbox sandbox/c-runner-sandbox.c -l:libseccomp.a \
 && gcc -std=gnu17 -O2 -Wall -Wextra -Werror -o sandbox/build/c-runner-launch sandbox/c-runner-launch.c
COPY --from=build /build/dist/ dist/
COPY scripts/healthcheck.mjs scripts/

RUN useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin c-runner
# The pseudo-terminal relay of interactive runs, and the bundled playground page from its stage.
COPY sandbox/c-runner-pty.c sandbox/
RUN gcc -std=gnu17 -O2 -Wall -Wextra -Werror -o sandbox/build/c-runner-pty sandbox/c-runner-pty.c
COPY --from=build /build/playground/build/ playground/build/
USER c-runner

ENV HOST=0.0.0.0 PORT=5555 NODE_ENV=production
EXPOSE 5555
HEALTHCHECK --interval=30s --timeout=10s --start-period=10s --retries=3 \
  CMD ["node", "scripts/healthcheck.mjs"]
# The server as scripts/build-server.mjs defines it: its Node flags, then dist/main.js (test/deploy.test.ts compares).
CMD ["node", "--optimize-for-size", "--no-concurrent-recompilation", "--no-concurrent-sparkplug", "dist/main.js"]
