/** The signals that stop the server: a service manager's, Ctrl-C's, a closed terminal's. */
export const stopSignals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/**
 * A stop asked for while the server starts: noted from the moment this module is evaluated — the entry point's first
 * import, before the rest of the server loads — and honoured once start-up has made everything it removes at a stop
 * (so nothing it made is left), just before it would listen (src/server.ts).
 */
export const stopsDuringStartup: {readonly asked: NodeJS.Signals | null; release(): void} = (() => {
	let asked: NodeJS.Signals | null = null;
	const note = (signal: NodeJS.Signals) => {
		asked ??= signal;
	};

	for (const signal of stopSignals) {
		process.on(signal, note);
	}

	return {
		get asked() {
			return asked;
		},
		release() {
			for (const signal of stopSignals) {
				process.off(signal, note);
			}
		},
	};
})();
