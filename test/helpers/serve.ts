import http from 'node:http';
import type {AddressInfo} from 'node:net';
import type Koa from 'koa';

/** Serves a Koa app's callback on an ephemeral loopback port for one test. */
export async function serve(app: Koa<any>): Promise<{url: string; close: () => Promise<void>}> {
	const server = http.createServer(app.callback());
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		close: async () => new Promise(resolve => {
			server.closeAllConnections();
			server.close(() => resolve());
		}),
	};
}
