/**
 * How every terminal command reads its arguments. A command declares its options and positionals once,
 * each with a description; `parseCommandLine` reads argv with node:util's parseArgs, and the `--help` text
 * is generated from the same declaration, so the two cannot drift apart. A mistake (an unknown option, a
 * missing or bad value, a stray word) is a UserError sentence that names it and points at `--help`.
 */
import { parseArgs } from 'node:util';
import { UserError } from '../core/errors.ts';

interface Described {
  /** One line for the help text: what the option changes. */
  description: string;
}

export interface FlagOption extends Described {
  type: 'boolean';
}

export interface TextOption extends Described {
  type: 'string';
  /** What the value is, as a noun: shown as `--questions <file>` and in "--questions needs a file". */
  value: string;
  /** May be given several times; the values are kept in order. */
  multiple?: boolean;
  default?: string | readonly string[];
}

export interface WholeNumberOption extends Described {
  type: 'whole';
  value: string;
  default?: number;
  min?: number;
  max?: number;
}

export type OptionSpec = FlagOption | TextOption | WholeNumberOption;

export interface CommandLineSpec {
  /** What a person types before the options, e.g. `npm run ask --` (npm passes on what follows `--`). */
  command: string;
  /** What the command does, for the help text. */
  summary: string;
  options: { readonly [name: string]: OptionSpec };
  /** The words after the options (e.g. the question of `ask`); without this, none are accepted. */
  positionals?: { name: string; description: string; required: boolean; several: boolean };
  /** Lines printed after the options in the help text. */
  notes?: readonly string[];
}

type ValueOf<S extends OptionSpec> = S extends FlagOption
  ? boolean
  : S extends WholeNumberOption
    ? S extends { default: number }
      ? number
      : number | undefined
    : S extends { multiple: true }
      ? string[]
      : S extends { default: string }
        ? string
        : string | undefined;

export type OptionValues<O extends CommandLineSpec['options']> = { -readonly [K in keyof O]: ValueOf<O[K]> };

export type ParsedCommandLine<S extends CommandLineSpec> = { help: true } | { help: false; options: OptionValues<S['options']>; positionals: string[] };

/** Declares a command line; the identity, there to keep the literal types that give parsed values their types. */
export function defineCommandLine<const S extends CommandLineSpec>(spec: S): S {
  return spec;
}

/** Reads `argv` as `spec` declares it; `--help` (or `-h`) anywhere asks for the help text instead. */
export function parseCommandLine<S extends CommandLineSpec>(spec: S, argv: readonly string[]): ParsedCommandLine<S> {
  const parserOptions: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, option] of Object.entries(spec.options)) parserOptions[name] = { type: option.type === 'boolean' ? 'boolean' : 'string' };
  // Not strict: the tokens are checked here, so that each mistake gets a sentence of ours naming it.
  const { tokens } = parseArgs({ args: [...argv], options: parserOptions, strict: false, allowPositionals: true, tokens: true });
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return { help: true };

  const given = new Map<string, string[]>();
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    const option = spec.options[token.name];
    if (option === undefined) throw usageError(spec, `Unknown option ${token.rawName}.`);
    if (option.type === 'boolean') {
      if (token.value !== undefined) throw usageError(spec, `${token.rawName} takes no value (given "${token.value}").`);
      given.set(token.name, ['true']);
      continue;
    }
    // parseArgs takes the next word as the value even when it is the next option (`--guild --json`).
    if (token.value === undefined || (token.inlineValue === false && token.value.startsWith('-'))) {
      throw usageError(spec, `${token.rawName} needs ${article(option.value)} ${option.value}.`);
    }
    given.set(token.name, [...(option.type === 'string' && option.multiple === true ? (given.get(token.name) ?? []) : []), token.value]);
  }

  const declared = spec.positionals;
  if (declared === undefined && positionals.length > 0) throw usageError(spec, `Unexpected argument "${positionals[0]}".`);
  if (declared !== undefined && !declared.several && positionals.length > 1) throw usageError(spec, `Unexpected argument "${positionals[1]}": ${spec.command} takes one <${declared.name}>.`);
  if (declared?.required === true && positionals.every((p) => p.trim() === '')) throw usageError(spec, `${spec.command.replace(/ --$/, '')} needs ${article(declared.name)} ${declared.name}.`);

  const options: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(spec.options)) options[name] = valueOf(spec, name, option, given.get(name));
  return { help: false, options: options as OptionValues<S['options']>, positionals };
}

function valueOf(spec: CommandLineSpec, name: string, option: OptionSpec, given: string[] | undefined): unknown {
  if (option.type === 'boolean') return given !== undefined;
  if (option.type === 'string') {
    if (option.multiple === true) return given ?? [...(option.default ?? [])];
    return given?.at(-1) ?? option.default;
  }
  const raw = given?.at(-1);
  if (raw === undefined) return option.default;
  const min = option.min ?? 0;
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || value < min || (option.max !== undefined && value > option.max)) {
    const range = option.max !== undefined ? ` from ${min} to ${option.max}` : min > 0 ? ` of at least ${min}` : '';
    throw usageError(spec, `--${name} must be a whole number${range}, got "${raw}".`);
  }
  return value;
}

/** A mistake in how the command was typed: the sentence, the usage line and where to read more. */
export function usageError(spec: CommandLineSpec, sentence: string): UserError {
  return new UserError('E_USAGE', `${sentence}\nUsage: ${usageLine(spec)}\n\`${spec.command} --help\` says what each option does.`);
}

/** `npm run eval -- [--questions <file>] [--json] …`, from the declaration. */
export function usageLine(spec: CommandLineSpec): string {
  const options = Object.entries(spec.options).map(([name, option]) => {
    const text = option.type === 'boolean' ? `--${name}` : `--${name} <${option.value}>`;
    return option.type === 'string' && option.multiple === true ? `[${text}]...` : `[${text}]`;
  });
  const declared = spec.positionals;
  const positional = declared === undefined ? [] : [`${declared.required ? '' : '['}<${declared.name}>${declared.several ? '...' : ''}${declared.required ? '' : ']'}`];
  // `npm run chat --` takes nothing after the `--`: show it as it is typed.
  const command = options.length + positional.length === 0 ? spec.command.replace(/ --$/, '') : spec.command;
  return [command, ...options, ...positional].join(' ');
}

/** The `--help` text: usage, what the command does, each argument and option with its default. */
export function helpText(spec: CommandLineSpec): string {
  const rows: [string, string][] = [];
  if (spec.positionals !== undefined) rows.push([`<${spec.positionals.name}>`, spec.positionals.description]);
  for (const [name, option] of Object.entries(spec.options)) {
    const left = option.type === 'boolean' ? `--${name}` : `--${name} <${option.value}>`;
    rows.push([left, `${option.description}${defaultText(option)}`]);
  }
  rows.push(['-h, --help', 'show this text']);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return [
    `Usage: ${usageLine(spec)}`,
    '',
    spec.summary,
    '',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
    ...(spec.notes === undefined || spec.notes.length === 0 ? [] : ['', ...spec.notes]),
  ].join('\n');
}

/** Writes the help text to `stdout`; the exit code of a command asked for `--help`. */
export function printHelp(spec: CommandLineSpec, stdout: NodeJS.WritableStream): number {
  stdout.write(`${helpText(spec)}\n`);
  return 0;
}

function defaultText(option: OptionSpec): string {
  if (option.type === 'boolean' || option.default === undefined) return '';
  const value = typeof option.default === 'object' ? option.default.join(', ') : String(option.default);
  return value === '' ? '' : ` (default: ${value})`;
}

function article(noun: string): string {
  return /^[aeiou]/i.test(noun) ? 'an' : 'a';
}
