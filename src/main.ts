// The server's entry point. A stop signal is noted from here on (src/startup-stop.ts), before the rest of the server
// loads — its modules take a fifth of a second or more, during which a signal's default action would end the process
// with no answer to the stop — and honoured once start-up has made what a stop removes (src/server.ts). Only a signal
// during Node's own start, before any of this runs, ends the process as the signal does by default: nothing is made yet.
import './startup-stop.ts';

await import('./server.ts');
