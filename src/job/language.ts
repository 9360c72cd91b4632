/** The languages c-runner compiles, and for each its compiler, standards and source files: the one table. */
export type Language = 'c' | 'cpp';
export const languageNames: readonly Language[] = ['c', 'cpp'];

/** The compilers a request may choose; gcc (or g++) unless it names another. */
export type CompilerName = 'gcc' | 'tcc';
export const compilerNames: readonly CompilerName[] = ['gcc', 'tcc'];
export const defaultCompiler: CompilerName = 'gcc';

export interface CompilerSpec {
	/** The driver, inside the compile sandbox (the host's /usr, read-only). */
	readonly path: string;
	/** The flags a compile gets for these options and linker; colour and URL escapes never reach a JSON string. */
	readonly flags: (options: CompileOptions, linker: Linker) => string[];
}

export interface LanguageSpec {
	/** gcc's driver for this language (the default compiler's path). */
	readonly compiler: string;
	/** The compilers this language may be compiled with: gcc's always, tcc's for C only. */
	readonly compilers: Readonly<Partial<Record<CompilerName, CompilerSpec>>>;
	/** The `std` a request gets when it names none: GNU dialects keep POSIX declarations visible. */
	readonly defaultStd: string;
	/** The `std` values a request may name, each with the `-std=` gcc 12 takes for it. */
	readonly standards: Readonly<Record<string, string>>;
	/** Names of the files that are compiled (the others of a multi-file request, headers, are only there). */
	readonly sourcePattern: RegExp;
	/** The file name a single `code` is written to. */
	readonly sourceName: string;
}

const cStandards = ['c89', 'c90', 'c99', 'c11', 'c17', 'c18', 'gnu89', 'gnu90', 'gnu99', 'gnu11', 'gnu17', 'gnu18'];
const cppStandards = ['c++98', 'c++03', 'c++11', 'c++14', 'c++17', 'c++20', 'c++23', 'gnu++98', 'gnu++03', 'gnu++11', 'gnu++14', 'gnu++17', 'gnu++20', 'gnu++23'];
const same = (names: readonly string[]) => Object.fromEntries(names.map(name => [name, name]));
const std = (options: CompileOptions) => `-std=${languageSpecs[options.language].standards[options.std]!}`;

/**
 * How gcc links (`C_RUNNER_LINKER`): binutils' gold, which links a small program some 5 ms sooner than gcc's default
 * ld.bfd (a tenth of a hello world's whole compile), or ld.bfd itself.
 */
export type Linker = 'gold' | 'bfd';
export const linkers: readonly Linker[] = ['gold', 'bfd'];
/** gold, where the host has it: Debian 12's binutils does; Debian 13 ships it as binutils-gold. */
export const goldLinker = '/usr/bin/ld.gold';

/** gcc and g++: the standard, the optimisation level, all the usual warnings; the linker chosen. */
const gccFlags = (options: CompileOptions, linker: Linker) => [
	std(options),
	`-O${options.optimize}`,
	'-Wall',
	'-fdiagnostics-color=never',
	'-fdiagnostics-urls=never',
	'-pipe',
	...(linker === 'gold' ? ['-fuse-ld=gold'] : []),
];

/**
 * Debian's tcc (0.9.27): a one-pass compiler, some ten times faster to compile than gcc, with unoptimised code and
 * few warnings. It reads `-std=` (only c11 changes `__STDC_VERSION__`) and has no optimisation levels; it links with
 * its own linker.
 */
const tcc: CompilerSpec = {path: '/usr/bin/tcc', flags: options => [std(options), '-Wall']};

export const languageSpecs: Readonly<Record<Language, LanguageSpec>> = {
	c: {
		compiler: '/usr/bin/gcc',
		compilers: {gcc: {path: '/usr/bin/gcc', flags: gccFlags}, tcc},
		defaultStd: 'gnu17',
		// gcc 12 knows C23 by its draft name only.
		standards: {...same(cStandards), c2x: 'c2x', c23: 'c2x', gnu2x: 'gnu2x', gnu23: 'gnu2x'},
		sourcePattern: /\.c$/,
		sourceName: 'source.c',
	},
	cpp: {
		compiler: '/usr/bin/g++',
		compilers: {gcc: {path: '/usr/bin/g++', flags: gccFlags}},
		defaultStd: 'gnu++17',
		standards: same(cppStandards),
		sourcePattern: /\.(?:cc|cpp|cxx|C)$/,
		sourceName: 'source.cpp',
	},
};

/** `optimize` values, each `-O<value>`. */
export const optimizeLevels = ['0', '1', '2', '3', 's'] as const;
export type OptimizeLevel = typeof optimizeLevels[number];
export const defaultOptimize: OptimizeLevel = '2';

/** What a request asks of the compiler, after validation. */
export interface CompileOptions {
	readonly language: Language;
	/** A key of the language's `standards`. */
	readonly std: string;
	readonly optimize: OptimizeLevel;
	/** A key of the language's `compilers`. */
	readonly compiler: CompilerName;
}

export const defaultCompileOptions: CompileOptions = {language: 'c', std: languageSpecs.c.defaultStd, optimize: defaultOptimize, compiler: defaultCompiler};

/** The compiler these options name; parsing has checked that the language has it. */
export const compilerOf = (options: CompileOptions): CompilerSpec => languageSpecs[options.language].compilers[options.compiler]!;

/** The flags a compile gets for these options and linker, from its compiler's row. */
export const compilerFlags = (options: CompileOptions, linker: Linker): string[] => compilerOf(options).flags(options, linker);

/** Every compiler of the table, once: the server checks each at start-up and keys its compile cache on their versions. */
export const allCompilers = (): string[] => [...new Set(Object.values(languageSpecs).flatMap(spec => Object.values(spec.compilers).map(compiler => compiler.path)))];

/** Linked after the sources, so `sqrt` and friends just work. */
export const linkFlags = ['-lm'];

export interface SourceFile {
	/** A plain file name in the job directory: no path, no leading dot or dash. */
	readonly name: string;
	readonly content: string;
}

/** What a request gives the compiler: its options and one or more files. */
export interface Program {
	readonly options: CompileOptions;
	readonly files: readonly SourceFile[];
}

/** A single `code` as a program: one file under the language's usual name. */
export const programFromCode = (code: string, options: CompileOptions = defaultCompileOptions): Program =>
	({options, files: [{name: languageSpecs[options.language].sourceName, content: code}]});

/** The files a compile is given: the language's sources, in request order; headers are only there to include. */
export const compiledFiles = (program: Program): string[] =>
	program.files.map(file => file.name).filter(name => languageSpecs[program.options.language].sourcePattern.test(name));

/**
 * The compiler's argv, run in the job directory with relative names: gcc's own messages then say
 * `source.c:3:5: error: ...`, without the server's job path.
 */
export const compileArgv = (program: Program, binaryName: string, linker: Linker): string[] => [
	compilerOf(program.options).path,
	...compilerFlags(program.options, linker),
	'-o',
	binaryName,
	...compiledFiles(program),
	...linkFlags,
];
