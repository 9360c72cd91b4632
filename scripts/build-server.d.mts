// Types of build-server.mjs (plain JavaScript, for setup on any Node) for the TypeScript that imports it.
export const serverBuild: string;
export const serverMain: string;
export const serverNodeArgs: readonly string[];
export function sourcesHash(base?: string): string;
export function ensureServerBuild(options?: {node?: string; base?: string; say?: (message: string) => void}): boolean;
