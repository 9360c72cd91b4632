import {badRequest} from './errors.ts';

/**
 * Splits a command line into words the way a POSIX shell does, without running one: whitespace separates words,
 * single quotes keep everything literally, double quotes keep everything but `\"`, `\\`, `\$`, `` \` `` and
 * backslash-newline, a bare backslash quotes the next character. No expansion of any kind.
 */
export function splitArgs(line: string): string[] {
	const words: string[] = [];
	let word = '';
	let inWord = false;
	let index = 0;

	const next = (): string | undefined => line[index++];

	while (index < line.length) {
		const char = next()!;
		if (char === ' ' || char === '\t' || char === '\n') {
			if (inWord) {
				words.push(word);
				word = '';
				inWord = false;
			}

			continue;
		}

		// A backslash-newline is a line continuation: removed, it neither starts nor ends a word.
		if (char === '\\' && line[index] === '\n') {
			index++;
			continue;
		}

		inWord = true;
		if (char === '\\') {
			const escaped = next();
			if (escaped === undefined) {
				throw badRequest('Field \'args\' ends with a lone backslash');
			}

			word += escaped;
		} else if (char === '\'') {
			const end = line.indexOf('\'', index);
			if (end === -1) {
				throw badRequest('Field \'args\' has an unterminated single quote');
			}

			word += line.slice(index, end);
			index = end + 1;
		} else if (char === '"') {
			for (;;) {
				const quoted = next();
				if (quoted === undefined) {
					throw badRequest('Field \'args\' has an unterminated double quote');
				}

				if (quoted === '"') {
					break;
				}

				if (quoted === '\\' && index < line.length && '"\\$`\n'.includes(line[index]!)) {
					const escaped = next()!;
					if (escaped !== '\n') {
						word += escaped;
					}
				} else {
					word += quoted;
				}
			}
		} else {
			word += char;
		}
	}

	if (inWord) {
		words.push(word);
	}

	return words;
}
