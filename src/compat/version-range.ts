// Piston's `version` is a SemVer range, matched with node-semver's `satisfies` (api/src/runtime.js): `*`, `12`,
// `12.x`, `^12.1`, `~12.2`, `>=10 <13`, `10 - 12`, `11 || 12`. This reads those forms for plain versions (gcc's
// `12.2.0`; no pre-release tags), as node-semver desugars them; anything else matches nothing, as there.

type Triple = readonly [number, number, number];

interface Comparator {
	readonly op: '<' | '<=' | '>' | '>=';
	readonly version: Triple;
}

/** A version or partial one (`12`, `12.2`, `12.x`, `v12.2.0`): its numbers up to the first wildcard or end. */
function partial(text: string): number[] | null {
	const match = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?$/.exec(text);
	if (match === null) {
		return null;
	}

	const parts = match.slice(1).filter(part => part !== undefined);
	const wildcard = parts.findIndex(part => /^[xX*]$/.test(part));
	return (wildcard === -1 ? parts : parts.slice(0, wildcard)).map(Number);
}

const filled = (parts: readonly number[]): Triple => [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0];

/** The first version past every one a partial names: `1.2` → `1.3.0`, `1` → `2.0.0`. */
function next(parts: readonly number[]): Triple {
	const bumped = [...parts];
	bumped[bumped.length - 1]! += 1;
	return filled(bumped);
}

/** `[lower, upper)` of a partial as it stands alone (`1.2` is `>=1.2.0 <1.3.0`); an empty one is every version. */
const span = (parts: readonly number[]): Comparator[] => parts.length === 0 ? [] : (parts.length === 3
	? [{op: '>=', version: filled(parts)}, {op: '<=', version: filled(parts)}]
	: [{op: '>=', version: filled(parts)}, {op: '<', version: next(parts)}]);

/** The comparators one term of a range stands for (`^1.2.3`, `>=1.2`, `1.x`, ...); null when it is not one. */
function comparators(term: string): Comparator[] | null {
	const match = /^(\^|~|>=|<=|>|<|=)?(.*)$/.exec(term)!;
	const parts = partial(match[2]!);
	if (parts === null) {
		return null;
	}

	const full = parts.length === 3;
	switch (match[1]) {
		case '^': {
			// Up to the next change of the first non-zero part among those given.
			const firstNonZero = parts.findIndex(part => part !== 0);
			const kept = firstNonZero === -1 ? Math.max(parts.length, 1) : firstNonZero + 1;
			return parts.length === 0 ? [] : [{op: '>=', version: filled(parts)}, {op: '<', version: next(filled(parts).slice(0, kept))}];
		}

		case '~': {
			return parts.length === 0 ? [] : [{op: '>=', version: filled(parts)}, {op: '<', version: next(parts.slice(0, Math.min(parts.length, 2)))}];
		}

		case '>=': {
			return [{op: '>=', version: filled(parts)}];
		}

		case '>': {
			return parts.length === 0 ? [{op: '<', version: [0, 0, 0]}] : [full ? {op: '>', version: filled(parts)} : {op: '>=', version: next(parts)}];
		}

		case '<': {
			return [{op: '<', version: filled(parts)}];
		}

		case '<=': {
			return parts.length === 0 ? [] : [full ? {op: '<=', version: filled(parts)} : {op: '<', version: next(parts)}];
		}

		default: {
			return span(parts);
		}
	}
}

function compare(a: Triple, b: Triple): number {
	return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

const holds = (version: Triple, {op, version: bound}: Comparator) => {
	const order = compare(version, bound);
	return op === '<' ? order < 0 : op === '<=' ? order <= 0 : op === '>' ? order > 0 : order >= 0;
};

/** Whether `version` (`12.2.0`) is in SemVer `range`, as node-semver's `satisfies` answers for a plain version. */
export function satisfies(version: string, range: string): boolean {
	const parsed = partial(version);
	if (parsed === null || parsed.length !== 3) {
		return false;
	}

	const triple = filled(parsed);
	return range.split('||').some(alternative => {
		// `1.2 - 1.4`: from the first, up to and with the second; operators may stand apart from their version.
		const text = alternative.trim().replace(/^(\S+)\s+-\s+(\S+)$/, '>=$1 <=$2').replaceAll(/(\^|~|>=|<=|>|<|=)\s+/g, '$1');
		const terms = text === '' ? [] : text.split(/\s+/);
		const all = terms.map(term => comparators(term));
		return all.every(list => list !== null) && all.flat().every(comparator => holds(triple, comparator!));
	});
}
