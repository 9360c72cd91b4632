// A request as raw bytes on a new connection (what fetch cannot send: malformed ones, or one without a body), and
// the whole answer, read until the server closes the connection.
import net from 'node:net';

export async function rawRequest(url: string, bytes: string): Promise<{status: number; contentType: string | undefined; requestId: string | undefined; body: string}> {
	const {hostname, port} = new URL(url);
	return new Promise((resolve, reject) => {
		const socket = net.connect(Number(port), hostname, () => socket.end(bytes));
		let answer = '';
		socket.on('data', (chunk: Buffer) => {
			answer += chunk.toString('utf8');
		});
		socket.on('error', reject);
		socket.on('close', () => {
			const [head = '', body = ''] = answer.split('\r\n\r\n');
			resolve({status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), contentType: /^content-type: (.*)$/im.exec(head)?.[1], requestId: /^x-request-id: (.*)$/im.exec(head)?.[1], body});
		});
	});
}
