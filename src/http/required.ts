// Modules the server loads through require() instead of import, each for the same reason: in Node 24, an ESM import
// of node:http (named or default, ours or a dependency's ESM build) reads every export to build the namespace, and
// reading http.WebSocket loads Node's bundled fetch and WebSocket client (undici) and web streams, which the server
// never uses: 2–3 MiB of its RSS (13–18 in a fresh Node). require() leaves those exports unread. test/memory.test.ts
// checks the running server.
import {createRequire} from 'node:module';

const require = createRequire(import.meta.url);

export const http = require('node:http') as typeof import('node:http');
/** @koa/router's CommonJS build: its ESM build imports node:http. */
export const {Router} = require('@koa/router') as typeof import('@koa/router');
