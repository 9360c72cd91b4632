// The container's health check (Dockerfile HEALTHCHECK, deploy/compose.yaml): exit 0 when GET /health answers 200.
// A file rather than `node -e '...'`: podman-compose 1.0.3 re-quotes a health check's words for a shell, and the
// parentheses of an inline script then break it.
const port = process.env.PORT || '5555';
try {
	const response = await fetch(`http://127.0.0.1:${port}/health`, {signal: AbortSignal.timeout(9000)});
	process.exit(response.ok ? 0 : 1);
} catch {
	process.exit(1);
}
