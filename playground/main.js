// The c-runner playground: one page over the server's own API. Bundled by scripts/build-playground.mjs; nothing is
// fetched from anywhere but the server that serves it. The bearer token lives in this page's memory only.
import {basicSetup} from 'codemirror';
import {EditorView, keymap} from '@codemirror/view';
import {Prec} from '@codemirror/state';
import {cpp} from '@codemirror/lang-cpp';
import {Terminal} from '@xterm/xterm';

const nonce = document.querySelector('meta[name="c-runner-style-nonce"]').content;
// The Content-Security-Policy allows inline styles only with this response's nonce: the editor and the terminal
// add <style> elements of their own, so each one gets it.
const createElement = Document.prototype.createElement;
Document.prototype.createElement = function (name, options) {
	const element = createElement.call(this, name, options);
	if (String(name).toLowerCase() === 'style') {
		element.setAttribute('nonce', nonce);
	}

	return element;
};

const $ = selector => document.querySelector(selector);
const starter = `#include <stdio.h>

int main(void) {
	char name[64];
	printf("Name: ");
	if (scanf("%63s", name) != 1)
		return 1;
	printf("Hello, %s!\\n", name);
	return 0;
}
`;

let activeTab = 'run';
const runActive = () => ({run, interactive: startInteractive, judge})[activeTab]();

const editor = new EditorView({
	doc: starter,
	parent: $('#editor'),
	extensions: [
		Prec.highest(keymap.of([{key: 'Mod-Enter', run: () => { runActive(); return true; }}])),
		basicSetup,
		cpp(),
		EditorView.cspNonce.of(nonce),
	],
});

document.addEventListener('keydown', event => {
	if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !event.defaultPrevented) {
		event.preventDefault();
		runActive();
	}
});

for (const button of document.querySelectorAll('[data-tab]')) {
	button.addEventListener('click', () => {
		activeTab = button.dataset.tab;
		for (const other of document.querySelectorAll('[data-tab]')) {
			other.setAttribute('aria-selected', String(other === button));
			$(`#tab-${other.dataset.tab}`).hidden = other !== button;
		}

		if (activeTab === 'interactive') {
			showTerminal();
		}
	});
}

function headers(extra = {}) {
	const token = $('#token').value.trim();
	return {'Content-Type': 'application/json', ...(token ? {Authorization: `Bearer ${token}`} : {}), ...extra};
}

const source = () => editor.state.doc.toString();
const args = () => $('#args').value;
const formatMs = ms => (ms === null || ms === undefined ? '—' : `${ms} ms`);
const formatKb = kb => (kb === null || kb === undefined ? '—' : `${(kb / 1024).toFixed(1)} MiB`);

/** An answer's JSON; null for what is not (a proxy's error page, an answer cut short). */
function parseJson(text) {
	try {
		return JSON.parse(text);
	} catch {
		return null;
	}
}

async function run() {
	const button = $('#run');
	// Ctrl+Enter does not look at the button: one run at a time, as the button allows.
	if (button.disabled) {
		return;
	}

	button.disabled = true;
	$('#status').textContent = 'running…';
	for (const id of ['#exit-code', '#time', '#memory']) {
		$(id).textContent = '—';
	}

	$('#output').textContent = '';
	$('#error').textContent = '';
	try {
		const response = await fetch('/execute_c', {method: 'POST', headers: headers(), body: JSON.stringify({code: source(), args: args(), stdin: $('#stdin').value})});
		const text = await response.text();
		const body = parseJson(text);
		if (!response.ok || body === null) {
			// c-runner's errors are {"error"}; what a proxy in front of it answers (a 502 page) is shown as it is.
			$('#status').textContent = `HTTP ${response.status}`;
			$('#error').textContent = body?.error ?? text;
			return;
		}

		$('#status').textContent = body.status;
		$('#exit-code').textContent = String(body.exit_code);
		$('#time').textContent = formatMs(body.time_ms);
		$('#memory').textContent = formatKb(body.memory_kb);
		$('#output').textContent = body.output;
		$('#error').textContent = body.warnings + body.error;
	} catch (error) {
		$('#status').textContent = 'failed';
		$('#error').textContent = String(error);
	} finally {
		button.disabled = false;
	}
}

// Interactive: a terminal over the WebSocket. The server's terminal does not echo, so this one echoes what is
// typed (and erases on backspace), as a line-editing terminal would.
// The size of the program's terminal (sandbox/c-runner-pty.c): a program that draws a screen draws 80×24.
const terminal = new Terminal({convertEol: true, rows: 24, cols: 80, fontSize: 13, cursorBlink: true});
let terminalOpen = false;
// Opened once its tab shows: a terminal measures its characters when it opens, which a hidden one cannot.
function showTerminal() {
	if (!terminalOpen) {
		terminal.open($('#terminal'));
		terminalOpen = true;
	}

	terminal.focus();
}

let socket = null;
/** Kill pressed while the session still waited for a job slot: it left the queue, nothing was refused. */
let cancelled = false;
let line = '';
// Input ends once: the server closes a session that sends eof, or stdin, after its eof (1008), output unread.
let inputEnded = false;

function setRunning(running) {
	$('#interactive-start').disabled = running;
	for (const id of ['#interactive-eof', '#interactive-interrupt', '#interactive-kill']) {
		$(id).disabled = !running;
	}
}

const send = message => {
	if (socket?.readyState === WebSocket.OPEN) {
		socket.send(JSON.stringify(message));
	}
};

const sendInput = data => {
	if (!inputEnded && data !== '') {
		send({type: 'stdin', data});
	}
};

function endInput() {
	if (!inputEnded) {
		inputEnded = true;
		$('#interactive-eof').disabled = true;
		send({type: 'eof'});
	}
}

terminal.onData(data => {
	if (socket === null) {
		return;
	}

	// An escape sequence is a key (an arrow) or the terminal's answer to a query the program printed (`CSI 6n`,
	// `CSI > c`): the program's input, never echoed. Echoed, an answer can be a query again (`CSI > 0;276;0 c` asks
	// for the secondary attributes once more), and the page would answer itself thousands of times a second.
	if (data.startsWith('\u001B')) {
		sendInput(data);
		return;
	}

	// One stdin message and one echo for all that came at once: a paste of 100 KB was 100,000 messages and as many
	// writes to the terminal, and the tab stood still for seconds.
	let typed = '';
	let echo = '';
	const flush = () => {
		terminal.write(echo);
		sendInput(typed);
		typed = '';
		echo = '';
	};

	for (const character of data) {
		if (character === '\u0003') {
			flush();
			send({type: 'signal', signal: 'interrupt'});
		} else if (inputEnded) {
			// Typed after the end of input: nowhere to go.
		} else if (character === '\u0004') {
			flush();
			endInput();
		} else if (character === '\u007f') {
			if (line.length > 0) {
				line = line.slice(0, -1);
				echo += '\b \b';
				typed += character;
			}
		} else {
			line = character === '\r' ? '' : line + character;
			echo += character === '\r' ? '\r\n' : character;
			typed += character;
		}
	}

	flush();
});

function startInteractive() {
	if (socket !== null) {
		return;
	}

	showTerminal();
	terminal.reset();
	line = '';
	inputEnded = false;
	cancelled = false;
	$('#interactive-status').textContent = 'Connecting…';
	const token = $('#token').value.trim();
	const protocols = ['c-runner', ...(token ? [`bearer.${btoa(String.fromCodePoint(...new TextEncoder().encode(token))).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')}`] : [])];
	socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/interactive`, protocols);
	setRunning(true);
	let opened = false;
	socket.addEventListener('open', () => {
		opened = true;
		$('#interactive-status').textContent = 'Compiling…';
		send({type: 'start', code: source(), args: args()});
		terminal.focus();
	});
	socket.addEventListener('message', event => {
		const message = JSON.parse(event.data);
		if (message.type === 'compile') {
			if (message.status === 'compile_error') {
				terminal.write(`\x1b[31m${message.error}\x1b[0m`);
			} else {
				terminal.write(message.warnings ? `\x1b[33m${message.warnings}\x1b[0m` : '');
				$('#interactive-status').textContent = 'Running: type into the terminal.';
			}
		} else if (message.type === 'stdout') {
			terminal.write(message.data);
		} else if (message.type === 'stderr') {
			terminal.write(`\x1b[31m${message.data}\x1b[0m`);
		} else if (message.type === 'exit') {
			$('#interactive-status').textContent = `Ended: ${message.status}, exit code ${message.exit_code}${message.signal ? ` (${message.signal})` : ''}, time ${formatMs(message.time_ms)}, memory ${formatKb(message.memory_kb)}${message.idle_timeout ? ', idle limit' : ''}`;
		} else if (message.type === 'error') {
			$('#interactive-status').textContent = `Error: ${message.error}`;
		}
	});
	socket.addEventListener('close', async event => {
		socket = null;
		setRunning(false);
		if (cancelled) {
			$('#interactive-status').textContent = 'Cancelled before it started';
		} else if (!opened) {
			// A browser does not tell the page why an upgrade was refused (it is 1006 whatever the status): the
			// token is asked about over HTTP, where a wrong one is a 401 on any path.
			const answer = await fetch('/interactive', {headers: headers()}).catch(() => null);
			if (socket === null) {
				$('#interactive-status').textContent = answer === null
					? 'The server cannot be reached'
					: (answer.status === 401
						? 'Refused: the bearer token is missing or wrong'
						: 'Refused: all interactive sessions are open, or interactive runs are turned off on this server; try again later');
			}
		} else if (event.code !== 1000 && !$('#interactive-status').textContent.startsWith('Error')) {
			$('#interactive-status').textContent = `Closed (${event.code}): the server ended the session`;
		}
	});
}

$('#interactive-start').addEventListener('click', startInteractive);
$('#interactive-eof').addEventListener('click', endInput);
$('#interactive-interrupt').addEventListener('click', () => send({type: 'signal', signal: 'interrupt'}));
$('#interactive-kill').addEventListener('click', () => {
	// Still connecting: the server holds the handshake until a job slot is free. Closing leaves the queue.
	if (socket?.readyState === WebSocket.CONNECTING) {
		cancelled = true;
		socket.close();
		return;
	}

	send({type: 'signal', signal: 'kill'});
});
$('#run').addEventListener('click', run);

// Judge: test cases entered here, verdicts read from the Server-Sent Events of POST /judge_c as they arrive.
function addCase(input = '', expected = '') {
	const row = document.createElement('div');
	row.className = 'judge-case';
	const number = document.createElement('span');
	const inputField = Object.assign(document.createElement('textarea'), {className: 'input', rows: 2, placeholder: 'input', value: input, spellcheck: false});
	const expectedField = Object.assign(document.createElement('textarea'), {className: 'expected', rows: 2, placeholder: 'expected output', value: expected, spellcheck: false});
	const remove = Object.assign(document.createElement('button'), {type: 'button', textContent: '✕', title: 'Remove'});
	remove.addEventListener('click', () => {
		row.remove();
		renumber();
	});
	row.append(number, inputField, expectedField, remove);
	$('#judge-cases').append(row);
	renumber();
}

function renumber() {
	for (const [index, row] of [...document.querySelectorAll('.judge-case')].entries()) {
		row.firstChild.textContent = String(index + 1);
	}
}

function showResult(result) {
	const row = $(`#judge-results tr[data-index="${result.index}"]`);
	const cells = row.querySelectorAll('td');
	cells[1].textContent = result.verdict;
	cells[1].className = `verdict ${result.verdict}`;
	cells[2].textContent = result.time;
	cells[3].textContent = result.memory;
	cells[4].textContent = result.actual_output;
}

async function judge() {
	if ($('#judge-run').disabled) {
		return;
	}

	const cases = [...document.querySelectorAll('.judge-case')].map(row => ({input: row.querySelector('.input').value, output: row.querySelector('.expected').value}));
	const button = $('#judge-run');
	const tbody = $('#judge-results tbody');
	tbody.replaceChildren(...cases.map((_test, index) => {
		const row = document.createElement('tr');
		row.dataset.index = String(index);
		for (const text of [String(index + 1), '…', '', '', '']) {
			row.append(Object.assign(document.createElement('td'), {textContent: text}));
		}

		return row;
	}));
	$('#judge-verdict').textContent = 'judging…';
	$('#judge-verdict').className = 'verdict';
	$('#judge-error').hidden = true;
	button.disabled = true;
	const fail = text => {
		$('#judge-error').textContent = text;
		$('#judge-error').hidden = false;
	};

	try {
		const response = await fetch('/judge_c', {method: 'POST', headers: headers({Accept: 'text/event-stream'}), body: JSON.stringify({code: source(), testcases: cases})});
		if (!response.ok) {
			$('#judge-verdict').textContent = `HTTP ${response.status}`;
			const text = await response.text();
			fail(parseJson(text)?.error ?? text);
			return;
		}

		let verdict = false;

		const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
		let buffered = '';
		for (;;) {
			const {value, done} = await reader.read();
			if (done) {
				break;
			}

			buffered += value;
			let end;
			while ((end = buffered.indexOf('\n\n')) !== -1) {
				const block = buffered.slice(0, end);
				buffered = buffered.slice(end + 2);
				// Lines end at \n only: a regular expression's `$` also ends one at U+2028, which a program's output may hold.
				const lines = block.split('\n');
				const event = lines.find(text => text.startsWith('event: '))?.slice('event: '.length);
				const data = lines.find(text => text.startsWith('data: '))?.slice('data: '.length);
				if (event === undefined || data === undefined) {
					continue;
				}

				const payload = JSON.parse(data);
				if (event === 'compile' && payload.status === 'compile_error') {
					fail(payload.error);
				} else if (event === 'result') {
					showResult(payload);
				} else if (event === 'summary') {
					verdict = true;
					$('#judge-verdict').textContent = `${payload.verdict} (${payload.summary.passed}/${payload.summary.total})`;
					$('#judge-verdict').className = `verdict ${payload.verdict}`;
				} else if (event === 'error') {
					verdict = true;
					$('#judge-verdict').textContent = 'error';
					fail(payload.error);
				}
			}
		}

		if (!verdict) {
			$('#judge-verdict').textContent = 'no verdict';
			fail('The answer ended before its summary: the connection was cut');
		}
	} catch (error) {
		$('#judge-verdict').textContent = 'failed';
		fail(String(error));
	} finally {
		// Test cases that got no result (a compile error, an answer cut short) say so, rather than look pending.
		for (const cell of tbody.querySelectorAll('td:nth-child(2)')) {
			if (cell.textContent === '…') {
				cell.textContent = '—';
			}
		}

		button.disabled = false;
	}
}

$('#judge-add').addEventListener('click', () => addCase());
$('#judge-run').addEventListener('click', judge);
addCase('', '');
$('#connection').textContent = location.host;
