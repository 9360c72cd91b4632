// The Host allow-list (C_RUNNER_ALLOWED_HOSTS) at the HTTP layer, with a fake runner: a page that rebound its own
// name to the server's address is refused on every route, whatever its Origin; IP addresses and the names allowed pass.
import test from 'ava';
import {defaultAllowedHosts, hostAllowed, hostName, loopbackNames} from '../../src/http/allowed-hosts.ts';
import {setup} from '../helpers/fake-app.ts';
import {rawRequest} from '../helpers/raw-http.ts';

test('a Host header\'s name: lower case, no port, no IPv6 brackets, no trailing dot', t => {
	t.is(hostName('LocalHost:5555'), 'localhost');
	t.is(hostName('[::1]:5555'), '::1');
	t.is(hostName('[::1]'), '::1');
	t.is(hostName('127.0.0.1:80'), '127.0.0.1');
	t.is(hostName('localhost.'), 'localhost');
	t.is(hostName('runner.example.com.:5555'), 'runner.example.com');
});

test('allowed: no Host, IP addresses, the names of the list and the subdomains of a *. entry; * allows any', t => {
	const list = ['localhost', '*.localhost'];
	for (const host of [undefined, '', '127.0.0.1:5555', '10.1.2.3', '[::1]:5555', '[fe80::1]', 'localhost:5555', 'LOCALHOST', 'localhost.', 'app.localhost:5555']) {
		t.true(hostAllowed(host, list), String(host));
	}

	for (const host of ['rebind.example.com:5555', 'example.com', 'localhost.example.com', 'xlocalhost', 'c-runner', '127.0.0.1.nip.io']) {
		t.false(hostAllowed(host, list), host);
	}

	t.true(hostAllowed('rebind.example.com', ['*']));
	t.true(hostAllowed('runner.example.com', ['runner.example.com']));
	t.true(hostAllowed('a.b.example.com', ['*.example.com']));
	t.false(hostAllowed('example.com', ['*.example.com']), 'a *. entry is the subdomains only');
	t.false(hostAllowed('badexample.com', ['*.example.com']));
});

test('by default, the names of a server listening on a loopback address, however it is written; any name elsewhere', t => {
	for (const address of ['127.0.0.1', '127.9.9.9', '::1', '0:0:0:0:0:0:0:1', '0000::1', '::ffff:127.0.0.1', '::ffff:7f00:1']) {
		t.deepEqual(defaultAllowedHosts(address), loopbackNames, address);
	}

	for (const address of ['0.0.0.0', '::', '10.0.0.5', '::ffff:10.0.0.5', '128.0.0.1']) {
		t.deepEqual(defaultAllowedHosts(address), ['*'], address);
	}

	t.deepEqual(loopbackNames, ['localhost', '*.localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback']);
	for (const host of ['ip6-localhost:5555', 'localhost.localdomain']) {
		t.true(hostAllowed(host, loopbackNames), host);
	}
});

test('by default (listening on loopback), a foreign Host is a 403 on every route, the page and the API alike; nothing runs', async t => {
	const {url, runner, close} = await setup();
	try {
		const requests = [
			'POST /execute_c HTTP/1.1\r\nHost: rebind.example.com:5555\r\nOrigin: http://rebind.example.com:5555\r\nContent-Type: application/json\r\nContent-Length: 12\r\nConnection: close\r\n\r\n{"code":"x"}',
			'GET /health HTTP/1.1\r\nHost: rebind.example.com:5555\r\nConnection: close\r\n\r\n',
			'GET / HTTP/1.1\r\nHost: rebind.example.com\r\nConnection: close\r\n\r\n',
		];
		for (const request of requests) {
			const answer = await rawRequest(url, request);
			t.is(answer.status, 403, request);
			t.deepEqual(JSON.parse(answer.body), {error: 'Host "rebind.example.com" is not one this server answers to: localhost, *.localhost, localhost.localdomain, ip6-localhost, ip6-loopback or an IP address (C_RUNNER_ALLOWED_HOSTS)'});
		}

		t.deepEqual(runner.calls, []);
		for (const host of ['localhost:5555', '127.0.0.1', 'app.localhost']) {
			const answer = await rawRequest(url, `POST /execute_c HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 12\r\nConnection: close\r\n\r\n{"code":"x"}`);
			t.is(answer.status, 200, host);
		}
	} finally {
		await close();
	}
});

test('C_RUNNER_ALLOWED_HOSTS names the hosts a proxy in front forwards', async t => {
	const {url, close} = await setup({allowedHosts: 'runner.example.com'});
	try {
		const ask = async (host: string) => (await rawRequest(url, `GET /health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)).status;
		t.is(await ask('runner.example.com'), 200);
		t.is(await ask('127.0.0.1:5555'), 200);
		t.is(await ask('localhost'), 403, 'the list replaces the default');
	} finally {
		await close();
	}
});
