// The playground page in real headless Chromium (Debian's `chromium`, driven by playwright-core) against the real
// server: a run, a compile error, an interactive run through the terminal, and a judge with AC and WA. Screenshots go
// to test-output/playground/. Chromium is installed here when missing (as root, with apt-get); where it cannot be,
// the tests are skipped and say so loudly (C_RUNNER_REQUIRE_BROWSER=1 makes that a failure).
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {chromium, type BrowserContext, type Page, type Request, type WebSocket} from 'playwright-core';
import {assertHostClean, example, projectRoot, startServer, waitFor, type RunningServer} from '../helpers/server.ts';

// What the functions evaluated in the page use of it (the project's types have no DOM).
declare const document: {querySelector(selector: string): {readonly textContent: string | null} | null};

const chromiumPath = '/usr/bin/chromium';
const installCommand = 'apt-get update && apt-get install -y --no-install-recommends chromium';
const screenshotDir = path.join(projectRoot, 'test-output', 'playground');

/** Chromium, installed when missing and possible; otherwise why not. */
function ensureChromium(): string | null {
	if (fs.existsSync(chromiumPath)) {
		return null;
	}

	if (process.getuid?.() !== 0) {
		return `Chromium is missing and only root can install it: sudo sh -c '${installCommand}'`;
	}

	process.stderr.write(`playground test: installing Chromium: ${installCommand}\n`);
	const result = spawnSync('sh', ['-c', installCommand], {env: {...process.env, DEBIAN_FRONTEND: 'noninteractive'}, encoding: 'utf8'});
	return fs.existsSync(chromiumPath) ? null : `\`${installCommand}\` failed (exit ${result.status}): ${(result.stderr ?? '').slice(-1000)}`;
}

const missing = ensureChromium();
if (missing !== null) {
	const banner = `\n${'!'.repeat(100)}\nPLAYGROUND BROWSER TESTS NOT RUN: ${missing}\n${'!'.repeat(100)}\n`;
	process.stderr.write(banner);
	if (process.env['C_RUNNER_REQUIRE_BROWSER'] === '1') {
		throw new Error(banner);
	}
}

const browserTest = missing === null ? test.serial : test.skip;
const token = 'playground-test-token-0123';
let server: RunningServer;
let context: BrowserContext;
let page: Page;
let userDataDir: string;
const violations: string[] = [];

test.before(async () => {
	if (missing !== null) {
		return;
	}

	server = await startServer({uidBase: 63_200, env: {C_RUNNER_TOKEN: token}});
	fs.mkdirSync(screenshotDir, {recursive: true});
	userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-chromium-'));
	context = await chromium.launchPersistentContext(userDataDir, {
		executablePath: chromiumPath,
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
		viewport: {width: 1400, height: 900},
	});
	page = context.pages()[0] ?? await context.newPage();
	page.on('console', message => {
		if (message.type() === 'error') {
			violations.push(message.text());
		}
	});
	page.on('pageerror', error => violations.push(String(error)));
	// Anything the page would fetch from elsewhere is refused and noted: nothing may come from the internet.
	await context.route(url => !url.href.startsWith(server.url.replace('http', 'ws')) && !url.href.startsWith(server.url), async route => {
		violations.push(`request to ${route.request().url()}`);
		await route.abort();
	});
});

test.after.always(async () => {
	await context?.close();
	if (userDataDir) {
		fs.rmSync(userDataDir, {recursive: true, force: true});
	}

	await server?.stop();
});

async function setSource(code: string) {
	await page.click('.cm-content');
	await page.keyboard.press('Control+A');
	await page.keyboard.press('Delete');
	await page.keyboard.insertText(code);
}

const shot = async (name: string) => page.screenshot({path: path.join(screenshotDir, name), fullPage: true});

browserTest('the page: served by c-runner with a strict Content-Security-Policy, no token needed', async t => {
	const response = await page.goto(`${server.url}/`);
	t.is(response?.status(), 200);
	const policy = response?.headers()['content-security-policy'] ?? '';
	t.regex(policy, /default-src 'none'/);
	t.regex(policy, /script-src 'self'(;|$)/);
	t.notRegex(policy, /unsafe-inline|unsafe-eval/);
	t.is(await page.title(), 'c-runner playground');
	// The licenses of what the script bundles, where its last line says they are.
	const script = await (await page.request.get(`${server.url}/playground/app.js`)).text();
	const legal = /see (\S+\.LEGAL\.txt)/.exec(script.slice(-200))?.[1];
	t.is(legal, 'app.js.LEGAL.txt');
	const licenses = await page.request.get(`${server.url}/playground/${legal!}`);
	t.is(licenses.status(), 200);
	t.regex(await licenses.text(), /@xterm\/xterm[\s\S]*@license MIT/);
	await page.waitForSelector('.cm-editor .cm-content');
	// C highlighting: the editor marks keywords and strings of the starter program with their own classes.
	t.true(await page.locator('.cm-content span').count() > 5);
	await page.fill('#token', token);
});

browserTest('Interactive without the token: the page says the token is missing, not only that the socket closed', async t => {
	// The browser hides the upgrade's 401 from the page (a close, 1006), so the page asks over HTTP.
	await page.fill('#token', '');
	try {
		await page.click('[data-tab="interactive"]');
		await page.click('#interactive-start');
		await statusStarts('Refused', 10_000);
		t.is(await page.textContent('#interactive-status'), 'Refused: the bearer token is missing or wrong');
		t.false(await page.isDisabled('#interactive-start'));
	} finally {
		await page.fill('#token', token);
		await page.click('[data-tab="run"]');
		// The browser logs the refused upgrade and the 401 the page asked for: this test's own.
		forgetViolations(/interactive.*failed|status of 401/);
	}
});

browserTest('Run: type a program, Ctrl+Enter, see its output, status, exit code, time and memory', async t => {
	await setSource('#include <stdio.h>\n\nint main(int argc, char **argv) {\nint sum = 0;\nfor (int i = 1; i <= 10; i++) sum += i;\nprintf("sum=%d args=%d\\n", sum, argc - 1);\nreturn 0;\n}\n');
	await page.fill('#args', 'one "two words"');
	await page.click('.cm-content');
	await page.keyboard.press('Control+Enter');
	await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'ok');
	t.is(await page.textContent('#output'), 'sum=55 args=2\n');
	t.is(await page.textContent('#exit-code'), '0');
	t.regex(await page.textContent('#time') ?? '', /^\d+ ms$/);
	t.regex(await page.textContent('#memory') ?? '', /^\d+\.\d MiB$/);
	await shot('run.png');
});

browserTest('Run: Ctrl+Enter while a run is under way starts no second one, as the disabled button does not', async t => {
	let posts = 0;
	const count = (request: Request) => {
		posts += request.method() === 'POST' ? 1 : 0;
	};

	page.on('request', count);
	try {
		await setSource('#include <stdio.h>\n#include <unistd.h>\nint main(void) {\nusleep(500000);\nputs("once");\nreturn 0;\n}\n');
		await page.click('.cm-content');
		for (let press = 0; press < 3; press++) {
			await page.keyboard.press('Control+Enter');
		}

		await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'ok');
		t.is(await page.textContent('#output'), 'once\n');
		t.is(posts, 1);
	} finally {
		page.off('request', count);
	}
});

browserTest('Run: a compile error shows gcc\'s message with its line', async t => {
	await setSource('#include <stdio.h>\nint main(void) {\n\tprintf("missing semicolon")\n\treturn 0;\n}\n');
	await page.click('#run');
	await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'compile_error');
	const error = await page.textContent('#error') ?? '';
	t.regex(error, /source\.c:3:\d+: error: expected ';'/);
	t.is(await page.textContent('#exit-code'), '1');
	await shot('compile-error.png');
});

const terminalText = async () => page.evaluate(() => document.querySelector('#terminal .xterm-rows')?.textContent ?? '');
/** Until the terminal shows `text`. */
const terminalShows = async (text: string) => page.waitForFunction(wanted => document.querySelector('#terminal .xterm-rows')?.textContent?.includes(wanted), text);
/**
 * For up to 5 s, until the terminal shows `text`, and on either way: xterm.js writes what it is given in chunks, on
 * timers of its own, so a last line may show a moment after the run's end; the assertion after says what is missing.
 */
const terminalShowsSoon = async (text: string) => page.waitForFunction(wanted => document.querySelector('#terminal .xterm-rows')?.textContent?.includes(wanted), text, {timeout: 5000}).then(() => undefined, () => undefined);
/** Until the interactive tab's status line begins with `prefix`. */
const statusStarts = async (prefix: string, timeout?: number) => page.waitForFunction(wanted => document.querySelector('#interactive-status')?.textContent?.startsWith(wanted), prefix, timeout === undefined ? undefined : {timeout});

/** How many WebSocket frames the page sent while `run` ran. */
async function framesSentDuring(run: () => Promise<void>): Promise<number> {
	let frames = 0;
	const count = (socket: WebSocket) => socket.on('framesent', () => frames++);
	page.on('websocket', count);
	try {
		await run();
	} finally {
		page.off('websocket', count);
	}

	return frames;
}

/** The browser's console lines a test caused on purpose (a refused request it made): not violations. */
function forgetViolations(pattern: RegExp) {
	for (let index = violations.length - 1; index >= 0; index--) {
		if (pattern.test(violations[index]!)) {
			violations.splice(index, 1);
		}
	}
}

browserTest('Interactive: the program answers what is typed into the terminal', async t => {
	await page.click('[data-tab="interactive"]');
	await page.waitForSelector('#terminal .xterm');
	await setSource(example('interactive-greeting.c'));
	await page.click('#interactive-start');
	await terminalShows('Name: ');
	await page.click('#terminal');
	await page.keyboard.type('Ada');
	await page.keyboard.press('Enter');
	await terminalShows('Age: ');
	await page.keyboard.type('36');
	await page.keyboard.press('Enter');
	await statusStarts('Ended');
	await terminalShowsSoon('In ten years');
	const text = await terminalText();
	t.true(text.includes('Name: Ada'), text);
	t.true(text.includes('Hello, Ada!'), text);
	t.true(text.includes('In ten years you will be 46.'), text);
	t.regex(await page.textContent('#interactive-status') ?? '', /^Ended: ok, exit code 0/);
	await shot('interactive.png');
});

browserTest('Interactive: ending the input twice (Ctrl+D, then the button) ends it once: the program\'s output and exit still show', async t => {
	// Counts its lines, then takes a second before it answers: long enough for a second end-of-input to arrive.
	await setSource('#include <stdio.h>\n#include <unistd.h>\nint main(void) {\nchar line[256];\nlong lines = 0;\nwhile (fgets(line, sizeof line, stdin)) lines++;\nsleep(1);\nprintf("lines=%ld\\n", lines);\nreturn 0;\n}\n');
	await page.click('#interactive-start');
	await statusStarts('Running');
	await page.click('#terminal');
	await page.keyboard.type('one');
	await page.keyboard.press('Enter');
	await page.keyboard.press('Control+D');
	// Once: a second eof made the server close the session (1008) before the program's output and exit arrived.
	await page.keyboard.press('Control+D');
	await page.evaluate(() => (document.querySelector('#interactive-eof') as unknown as {click(): void}).click());
	await statusStarts('Ended');
	await terminalShowsSoon('lines=1');
	t.true((await terminalText()).includes('lines=1'), await terminalText());
	t.regex(await page.textContent('#interactive-status') ?? '', /^Ended: ok, exit code 0/);
});

browserTest('Interactive: the terminal\'s answers to a program\'s queries reach it once, never echoed', async t => {
	// Echoed, the answer to `ESC [ > c` is that query again: the page answered itself ~15,000 times a second.
	const framesSent = await framesSentDuring(async () => {
		await setSource(example('interactive-terminal-queries.c'));
		await page.click('#interactive-start');
		await terminalShows('Type: ');
		await page.click('#terminal');
		await page.keyboard.type('ok');
		await page.keyboard.press('Enter');
		await statusStarts('Ended');
	});
	await terminalShowsSoon('typed=');
	const text = await terminalText();
	t.true(text.includes('escapes=2 typed=ok'), text);
	t.regex(await page.textContent('#interactive-status') ?? '', /^Ended: ok, exit code 0/);
	// start, the two answers, "o", "k" and Enter.
	t.true(framesSent <= 6, `${framesSent} frames sent`);
});

browserTest('Interactive: a paste of 2000 lines reaches the program whole, in one stdin message', async t => {
	const framesSent = await framesSentDuring(async () => {
		await setSource('#include <stdio.h>\n#include <string.h>\nint main(void) {\nchar line[256];\nlong lines = 0, bytes = 0;\nputs("ready");\nwhile (fgets(line, sizeof line, stdin)) { lines++; bytes += (long)strlen(line); }\nprintf("total %ld lines %ld bytes\\n", lines, bytes);\nreturn 0;\n}\n');
		await page.click('#interactive-start');
		await terminalShows('ready');
		const text = Array.from({length: 2000}, (_, index) => `line ${String(index).padStart(44, '0')}\n`).join('');
		// What the browser does with a paste into the terminal (Ctrl+V): a paste event on its text area.
		await page.evaluate(`(() => {
			const data = new DataTransfer();
			data.setData('text/plain', ${JSON.stringify(text)});
			document.querySelector('#terminal textarea').dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
		})()`);
		await page.click('#interactive-eof');
		await statusStarts('Ended', 60_000);
	});
	await terminalShowsSoon('total');
	t.true((await terminalText()).includes('total 2000 lines 100000 bytes'), await terminalText());
	// start, the paste, eof.
	t.true(framesSent <= 4, `${framesSent} frames sent`);
});

browserTest('Interactive: the page\'s terminal has the size of the program\'s, 80×24: a screen drawn to its last row shows whole', async t => {
	await setSource('#include <stdio.h>\n#include <sys/ioctl.h>\nint main(void) {\nstruct winsize size;\nif (ioctl(1, TIOCGWINSZ, &size) != 0) return 1;\nprintf("\\x1b[2J\\x1b[1;1H%dx%d", size.ws_col, size.ws_row);\nfor (int row = 2; row <= size.ws_row; row++) printf("\\x1b[%d;1Hrow %d", row, row);\nreturn 0;\n}\n');
	await page.click('#interactive-start');
	await statusStarts('Ended');
	await terminalShowsSoon('row 24');
	const rows = await page.locator('#terminal .xterm-rows > div').allTextContents();
	t.is(rows.length, 24);
	t.is(rows[0]?.trim(), '80x24');
	t.deepEqual(rows.slice(1).map(row => row.trim()), Array.from({length: 23}, (_, index) => `row ${index + 2}`));
	// The whole terminal shows: nothing of it is cut off by the page's layout.
	const terminalBox = await page.locator('#terminal').boundingBox();
	const screenBox = await page.locator('#terminal .xterm-screen').boundingBox();
	t.true(terminalBox !== null && screenBox !== null && screenBox.y + screenBox.height <= terminalBox.y + terminalBox.height + 1);
});

browserTest('Interactive: on a window too narrow for 80 columns the terminal scrolls inside its pane; the page does not', async t => {
	await page.setViewportSize({width: 1024, height: 900});
	try {
		// Scrolled as far right as the pane goes: its last column shows.
		const measure = async () => page.evaluate(`(() => {
			const pane = document.querySelector('#terminal');
			pane.scrollLeft = pane.scrollWidth;
			return {
				page: document.documentElement.scrollWidth - innerWidth,
				pane: pane.scrollWidth - pane.clientWidth,
				lastColumnShown: document.querySelector('#terminal .xterm-screen').getBoundingClientRect().right <= pane.getBoundingClientRect().right + 1,
			};
		})()`) as Promise<{page: number; pane: number; lastColumnShown: boolean}>;
		const {page: pageOverflow, pane, lastColumnShown} = await measure();
		t.is(pageOverflow, 0, 'the page scrolls sideways');
		t.true(pane > 0, 'the window is narrow enough for the test');
		t.true(lastColumnShown, 'the last columns cannot be scrolled to');
	} finally {
		await page.setViewportSize({width: 1400, height: 900});
	}
});

browserTest('Interactive: Kill while the session waits for a job slot leaves the queue; the session never starts', async t => {
	// Every slot taken by a run that sleeps until its wall limit stops it: the upgrade waits in the queue, and the page
	// shows "Connecting…".
	const {capacity} = (await (await fetch(`${server.url}/health`)).json() as {slots: {capacity: number}}).slots;
	const sleeper = JSON.stringify({code: '#include <unistd.h>\nint main(void) { sleep(60); return 0; }'});
	const busy = Array.from({length: capacity}, async () => fetch(`${server.url}/execute_c`, {method: 'POST', headers: {'Content-Type': 'application/json', Authorization: `Bearer ${token}`}, body: sleeper}));
	try {
		await waitFor(async () => ((await (await fetch(`${server.url}/health`)).json() as {slots: {running: number}}).slots.running) === capacity, 10_000);
		await setSource('#include <stdio.h>\nint main(void) {\nputs("started");\nreturn 0;\n}\n');
		await page.click('#interactive-start');
		t.is(await page.textContent('#interactive-status'), 'Connecting…');
		await page.click('#interactive-kill');
		await page.waitForFunction(() => document.querySelector('#interactive-status')?.textContent === 'Cancelled before it started');
		t.false(await page.isDisabled('#interactive-start'));
		await Promise.all(busy);
		// The slots are free again: a session still queued would start now.
		await new Promise(resolve => {
			setTimeout(resolve, 1000);
		});
		t.is(await page.textContent('#interactive-status'), 'Cancelled before it started');
		t.false((await terminalText()).includes('started'));
	} finally {
		await Promise.allSettled(busy);
	}
});

browserTest('Judge: three test cases, verdicts AC, AC and WA arrive in the table', async t => {
	await page.click('[data-tab="judge"]');
	await setSource('#include <stdio.h>\nint main(void) {\n\tint a, b;\n\tif (scanf("%d %d", &a, &b) != 2) return 1;\n\tprintf("%d\\n", a + b);\n\treturn 0;\n}\n');
	await page.click('#judge-add');
	await page.click('#judge-add');
	const cases = [['1 2', '3'], ['20 22', '42'], ['2 2', '5']];
	for (const [index, [input, expected]] of cases.entries()) {
		await page.locator('.judge-case .input').nth(index).fill(input!);
		await page.locator('.judge-case .expected').nth(index).fill(expected!);
	}

	await page.click('#judge-run');
	await page.waitForFunction(() => document.querySelector('#judge-verdict')?.textContent?.startsWith('WA'));
	const verdicts = await page.locator('#judge-results tbody td:nth-child(2)').allTextContents();
	t.deepEqual(verdicts, ['AC', 'AC', 'WA']);
	t.is(await page.textContent('#judge-verdict'), 'WA (2/3)');
	const times = await page.locator('#judge-results tbody td:nth-child(3)').allTextContents();
	t.true(times.every(time => /^\d+ms$/.test(time)), times.join(', '));
	const memory = await page.locator('#judge-results tbody td:nth-child(4)').allTextContents();
	t.true(memory.every(value => /MB$/.test(value)), memory.join(', '));
	await shot('judge.png');
});

browserTest('Judge: a compile error shows gcc\'s message and the verdict CE; its test cases say they were not run', async t => {
	await setSource('int main(void) { return 0 }\n');
	await page.click('#judge-run');
	await page.waitForFunction(() => document.querySelector('#judge-verdict')?.textContent?.startsWith('CE'));
	await page.waitForFunction(() => !(document.querySelector('#judge-run') as unknown as {disabled: boolean}).disabled);
	t.is(await page.textContent('#judge-verdict'), 'CE (0/3)');
	t.regex(await page.textContent('#judge-error') ?? '', /error: expected ';'/);
	t.deepEqual(await page.locator('#judge-results tbody td:nth-child(2)').allTextContents(), ['—', '—', '—']);
});

browserTest('Judge: output holding U+2028 (LINE SEPARATOR) gets its verdict like any other', async t => {
	// The page read each event's data line with a regular expression, whose `$` also ends a line at U+2028.
	await setSource('#include <stdio.h>\nint main(void) {\nputs("a\\xe2\\x80\\xa8" "b");\nreturn 0;\n}\n');
	for (const row of await page.locator('.judge-case').all()) {
		await row.locator('.expected').fill('a\u2028b');
	}

	await page.click('#judge-run');
	await page.waitForFunction(() => !(document.querySelector('#judge-run') as unknown as {disabled: boolean}).disabled);
	t.regex(await page.textContent('#judge-verdict') ?? '', /^(AC|WA) \(\d\/3\)$/);
	t.true(await page.locator('#judge-error').isHidden(), await page.textContent('#judge-error') ?? '');
	for (const output of await page.locator('#judge-results tbody td:nth-child(5)').allTextContents()) {
		t.true(output.includes('a\u2028b'), JSON.stringify(output));
	}
});

// What a proxy in front of c-runner may answer instead of c-runner (the browser's route stands in for it): the page
// names the status and shows the text, and an answer cut short says so instead of "judging…" for ever.
browserTest('a proxy\'s error page and a judge answer cut before its summary are shown as such', async t => {
	const proxyPage = '<html><body><h1>502 Bad Gateway</h1></body></html>';
	await context.route(`${server.url}/execute_c`, async route => route.fulfill({status: 502, contentType: 'text/html', body: proxyPage}));
	await context.route(`${server.url}/judge_c`, async route => route.fulfill({status: 200, contentType: 'text/event-stream', body: 'event: compile\ndata: {"status": "ok", "warnings": "", "error": null}\n\n'}));
	try {
		await page.click('#judge-run');
		await page.waitForFunction(() => !(document.querySelector('#judge-run') as unknown as {disabled: boolean}).disabled);
		t.is(await page.textContent('#judge-verdict'), 'no verdict');
		t.regex(await page.textContent('#judge-error') ?? '', /ended before its summary/);
		t.deepEqual(await page.locator('#judge-results tbody td:nth-child(2)').allTextContents(), ['—', '—', '—']);
		await page.click('[data-tab="run"]');
		await page.click('#run');
		await page.waitForFunction(() => document.querySelector('#status')?.textContent?.startsWith('HTTP'));
		t.is(await page.textContent('#status'), 'HTTP 502');
		t.is(await page.textContent('#error'), proxyPage);
	} finally {
		await context.unroute(`${server.url}/execute_c`);
		await context.unroute(`${server.url}/judge_c`);
		// The browser logs the 502 it was given; that one is this test's own.
		forgetViolations(/status of 502/);
	}
});

browserTest('nothing was refused by the policy, nothing was fetched from elsewhere, and the host is clean', async t => {
	t.deepEqual(violations, []);
	await assertHostClean(t, server);
	for (const name of ['run.png', 'compile-error.png', 'interactive.png', 'judge.png']) {
		t.true(fs.statSync(path.join(screenshotDir, name)).size > 10_000, name);
	}
});
