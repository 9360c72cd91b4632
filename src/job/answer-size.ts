/**
 * Sizes of text as sent in a JSON answer. A byte of program output can cost six once escaped (a NUL is `\u0000`),
 * so every cut counts bytes after JSON encoding, never before.
 */

/** Cuts text so that its JSON-encoded form (without the quotes) is at most `maxBytes`, never splitting a character or an escape. */
export function cutText(text: string, maxBytes: number): {text: string; cut: boolean; bytes: number} {
	let bytes = 0;
	for (let index = 0; index < text.length; index++) {
		const unit = text.charCodeAt(index);
		let size: number;
		let units = 1;
		if (unit < 0x20) {
			// \b \t \n \f \r have two-character escapes; every other control character is \u00XX.
			size = unit === 0x08 || unit === 0x09 || unit === 0x0A || unit === 0x0C || unit === 0x0D ? 2 : 6;
		} else if (unit === 0x22 || unit === 0x5C) {
			size = 2;
		} else if (unit < 0x80) {
			size = 1;
		} else if (unit < 0x800) {
			size = 2;
		} else if (unit >= 0xD800 && unit <= 0xDBFF && index + 1 < text.length && (text.charCodeAt(index + 1) & 0xFC00) === 0xDC00) {
			size = 4;
			units = 2;
		} else if (unit >= 0xD800 && unit <= 0xDFFF) {
			// A lone surrogate: JSON.stringify writes it as \uDXXX.
			size = 6;
		} else {
			size = 3;
		}

		if (bytes + size > maxBytes) {
			return {text: text.slice(0, index), cut: true, bytes};
		}

		bytes += size;
		index += units - 1;
	}

	return {text, cut: false, bytes};
}

/**
 * What one answer may still spend on program text (output, error, diagnostics), counted as sent. Every text that
 * goes into the answer takes its share in turn; once spent, further texts are cut to empty and flagged.
 */
export class TextBudget {
	#left: number;

	constructor(bytes: number) {
		this.#left = bytes;
	}

	get left(): number {
		return this.#left;
	}

	/**
	 * Cuts text to `maxBytes` and to what is left, and charges what it keeps. What it keeps is a copy: a V8 slice
	 * (what `slice` and `trimEnd` return) keeps its whole parent alive, and a judge holds every test case's texts
	 * until it answers — 64 KiB kept of each 1 MiB output would otherwise hold all of them.
	 */
	take(text: string, maxBytes = Number.POSITIVE_INFINITY): {text: string; cut: boolean} {
		const kept = cutText(text, Math.min(maxBytes, this.#left));
		this.#left -= kept.bytes;
		// Concatenating then slicing flattens into a new string; the old one is no longer referenced.
		return {text: `${kept.text} `.slice(0, -1), cut: kept.cut};
	}
}
