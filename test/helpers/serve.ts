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

/** A GET with If-None-Match as a browser revalidates (fetch would add `Cache-Control: no-cache`, which asks for it all). */
export async function revalidate(url: string, etag: string): Promise<{status: number; body: string}> {
	return new Promise((resolve, reject) => {
		http.get(url, {headers: {'If-None-Match': etag}}, response => {
			let body = '';
			response.setEncoding('utf8');
			response.on('data', (chunk: string) => {
				body += chunk;
			});
			response.on('end', () => resolve({status: response.statusCode ?? 0, body}));
		}).on('error', reject);
	});
}
