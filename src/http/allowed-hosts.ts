// The Host allow-list (C_RUNNER_ALLOWED_HOSTS): what stops DNS rebinding. A page of an attacker's site that makes its
// own host name resolve to the server's address (127.0.0.1, say) is of the same origin as the server in the browser's
// eyes, so no CORS or Origin check refuses it; but its requests carry the attacker's name in `Host`.
import net from 'node:net';
import type {Middleware} from 'koa';
import type {AppState} from './context.ts';
import {AppError} from './errors.ts';

/** The host name of a Host header: lower case, without its port, an IPv6 literal's brackets or a trailing dot. */
export function hostName(header: string): string {
	const lower = header.trim().toLowerCase();
	const name = lower.startsWith('[') ? lower.slice(1, lower.indexOf(']') === -1 ? undefined : lower.indexOf(']')) : lower.replace(/:\d*$/, '');
	return name.endsWith('.') ? name.slice(0, -1) : name;
}

/**
 * Whether a request's Host is one this server answers to: none at all (HTTP/1.0: not a browser, which always sends
 * one), an IP address (no name, so nothing to rebind), or a name of the list — `*` any, `*.example.com` its
 * subdomains, else the very name.
 */
export function hostAllowed(header: string | undefined, allowList: readonly string[]): boolean {
	if (header === undefined || header === '' || allowList.includes('*')) {
		return true;
	}

	const name = hostName(header);
	if (net.isIP(name) !== 0) {
		return true;
	}

	return allowList.some(entry => entry.startsWith('*.') ? name.endsWith(entry.slice(1)) : name === entry);
}

/**
 * The names a server listening on a loopback address answers to by default: `localhost`, its subdomains, and the
 * other names Debian's /etc/hosts gives the loopback addresses. Only this machine reaches such a server, by these
 * names or an IP address; a browser there is what DNS rebinding would use.
 */
export const loopbackNames: readonly string[] = ['localhost', '*.localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback'];

const loopbackAddresses = new net.BlockList();
loopbackAddresses.addSubnet('127.0.0.0', 8, 'ipv4');
loopbackAddresses.addAddress('::1', 'ipv6');

/**
 * The allow-list without C_RUNNER_ALLOWED_HOSTS, for the address the server listens on (an IP, as `HOST` resolves:
 * `127.1`, `0:0:0:0:0:0:0:1` and `::ffff:127.0.0.1` are loopback too): loopbackNames there; any name on any other
 * address (a container's `0.0.0.0`, reached by a service name; a token guards it).
 */
export function defaultAllowedHosts(address: string): readonly string[] {
	const family = net.isIP(address);
	return family !== 0 && loopbackAddresses.check(address, family === 6 ? 'ipv6' : 'ipv4') ? loopbackNames : ['*'];
}

/** The refusal, the same on every route and on the interactive upgrade. */
export const hostRefusal = (header: string, allowList: readonly string[]) =>
	new AppError(403, `Host ${JSON.stringify(hostName(header).slice(0, 255))} is not one this server answers to: ${allowList.join(', ')} or an IP address (C_RUNNER_ALLOWED_HOSTS)`);

/** The list a server checks: C_RUNNER_ALLOWED_HOSTS, or as chosen at start-up; loopbackNames until then (an app of the tests). */
export const hostsOf = (config: {readonly allowedHosts: readonly string[] | null}): readonly string[] => config.allowedHosts ?? loopbackNames;

export function allowedHosts(allowList: readonly string[]): Middleware<AppState> {
	return async (ctx, next) => {
		const host = ctx.req.headers.host;
		if (!hostAllowed(host, allowList)) {
			throw hostRefusal(host!, allowList);
		}

		await next();
	};
}
