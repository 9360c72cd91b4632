import {createHash, timingSafeEqual} from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Whether a presented bearer token is the server's; every presented token passes when the server has none.
 * Compared as digests, in constant time.
 */
export function tokenChecker(token: string | null): (presented: string | null) => boolean {
	const expected = token === null ? null : digest(token);
	return presented => expected === null || (presented !== null && timingSafeEqual(digest(presented), expected));
}

/**
 * The token of an `Authorization: Bearer <token>` header; null without one. The scheme's name is case-insensitive
 * (RFC 7235 section 2.1); the token is taken exactly.
 */
const bearerToken = (authorization: string | undefined): string | null => /^Bearer +(\S.*)$/i.exec(authorization ?? '')?.[1] ?? null;

/** The token a request presents in its headers: `Authorization: Bearer <token>`, or `X-Auth-Token`, as Judge0's clients send it. */
export const headerToken = (authorization: string | undefined, xAuthToken: string | undefined): string | null =>
	bearerToken(authorization) ?? (xAuthToken === undefined || xAuthToken === '' ? null : xAuthToken);
