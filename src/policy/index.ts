/**
 * Loads, validates and normalises the policy file, and resolves a resource's tags to its policy.
 * No I/O: callers pass the text (the CLI and the bundler read the file).
 */
import {
  Composer,
  CST,
  type Document,
  isAlias,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  Parser,
} from 'yaml';
import { ZodError } from 'zod';
import { capProblems, InvalidFileError } from '../errors.js';
import { partitionOf } from '../inventory/arn.js';
import { formatIssues, knownKeys } from '../issues.js';
import { parseFrequency } from './schedule.js';
import { type ParsedPolicy, type ParsedPolicyFile, policyFileSchema } from './schema.js';

export interface Policy extends ParsedPolicy {
  name: string;
  planName: string;
  vaultName: string;
  maxGapHours: number;
  scheduleExpression: string;
  rpoHours: number;
  s3: ParsedPolicy['s3'] & { noncurrentVersionExpirationDays: number };
}

export interface PolicySet {
  tagKey: string;
  remediateTagKey: string;
  /** How recent AWS Config's data must be to read bucket settings from it (hours; default 24). */
  configMaxAgeHours?: number;
  keyMaterial: KeyMaterialSettings;
  policies: Record<string, Policy>;
}

/** One escrow destination, its roles and key resolved (resources/escrow-destination.yml names). */
export interface EscrowDestination {
  account: string;
  region: string;
  writerRoleArn: string;
  readerRoleArn: string;
  kmsKeyId: string;
}

export interface KeyMaterialSettings {
  escrow: EscrowDestination[];
  keys: string[];
  optInTag: string;
  rotateEveryDays?: number;
  validityDays?: number;
  expiryWarningDays: number;
  rotationReserve: number;
}

/** The names resources/escrow-destination.yml gives what it creates in a destination account. */
export const ESCROW_WRITER_ROLE = 'backup-sentinel-escrow-writer';
export const ESCROW_READER_ROLE = 'backup-sentinel-escrow-reader';
export const ESCROW_KEY_ALIAS = 'alias/backup-sentinel-escrow';

function keyMaterialSettings(k: ParsedPolicyFile['keyMaterial']): KeyMaterialSettings {
  const role = (account: string, name: string, region: string) =>
    `arn:${partitionOf(region)}:iam::${account}:role/${name}-${region}`;
  return {
    escrow: (k?.escrow ?? k?.replicas ?? []).map((d) => ({
      account: d.account,
      region: d.region,
      writerRoleArn: d.writerRoleArn ?? role(d.account, ESCROW_WRITER_ROLE, d.region),
      readerRoleArn: d.readerRoleArn ?? role(d.account, ESCROW_READER_ROLE, d.region),
      kmsKeyId: d.kmsKeyId ?? ESCROW_KEY_ALIAS,
    })),
    keys: k?.keys ?? [],
    optInTag: k?.optInTag ?? 'backup:key-material',
    ...(k?.rotateEveryDays ? { rotateEveryDays: k.rotateEveryDays } : {}),
    ...(k?.validityDays ? { validityDays: k.validityDays } : {}),
    expiryWarningDays: k?.expiryWarningDays ?? 30,
    rotationReserve: k?.rotationReserve ?? 2,
  };
}

/** Largest policy file read (a real one is a few kB; the yaml package parses 1 MiB in 2-5 s). */
export const MAX_POLICY_BYTES = 1024 * 1024;
/** Deepest nesting of maps and lists (a policy file needs about 5). */
const MAX_POLICY_DEPTH = 64;
/** Top-level YAML tokens read before giving up (one document is a few). */
const MAX_TOP_LEVEL_TOKENS = 1000;
/** Most aliases (`*name`) in a policy file, and most nodes they may copy in all. */
const MAX_POLICY_ALIASES = 100;

interface Problem {
  offset: number;
  message: string;
}

/**
 * Parses YAML (or JSON) policy text; throws InvalidFileError listing the problems by path (the
 * first MAX_PROBLEMS of them, then "... and N more"). Hostile text fails in bounded time and
 * memory: too large, too deep, alias bombs, unresolved or cyclic aliases, many keys.
 */
export function parsePolicies(text: string, file = 'policies.yml'): PolicySet {
  // UTF-16 units never outnumber UTF-8 bytes, so this only rejects files that are too large
  if (text.length > MAX_POLICY_BYTES) {
    throw new InvalidFileError(file, [`larger than ${MAX_POLICY_BYTES / 1024 / 1024} MiB`]);
  }
  const parsed = policyFileSchema.safeParse(loadYaml(text, file) ?? {});
  if (!parsed.success) throw new InvalidFileError(file, schemaProblems(parsed.error));
  const { policies, keyMaterial, ...rest } = parsed.data;
  return {
    ...rest,
    keyMaterial: keyMaterialSettings(keyMaterial),
    policies: Object.fromEntries(Object.entries(policies).map(([name, p]) => [name, normalise(name, p)])),
  };
}

/** The YAML document as plain data; throws InvalidFileError with "line L, column C: …" problems. */
function loadYaml(text: string, file: string): unknown {
  const flow = tooDeepFlow(text, MAX_POLICY_DEPTH);
  if (flow !== undefined) {
    const before = text.slice(0, flow);
    const line = before.split('\n').length;
    const col = flow - before.lastIndexOf('\n');
    throw new InvalidFileError(file, [
      `line ${line}, column ${col}: nested more than ${MAX_POLICY_DEPTH} levels deep`,
    ]);
  }
  const lines = new LineCounter();
  // A policy file is one document: a few top-level tokens. Thousands are syntax errors, and
  // composing each costs more than parsing: stop reading there (the parser is lazy).
  const tokens: CST.Token[] = [];
  let stoppedAt: number | undefined;
  for (const token of new Parser(lines.addNewLine).parse(text)) {
    if (tokens.length === MAX_TOP_LEVEL_TOKENS) {
      stoppedAt = token.offset;
      break;
    }
    tokens.push(token);
  }
  const at = (offset: number) => {
    if (offset < 0) return '';
    const { line, col } = lines.linePos(offset);
    return `line ${line}, column ${col}: `;
  };
  const fail = (problems: Problem[]): never => {
    const sorted = [...problems].sort((a, b) => a.offset - b.offset);
    throw new InvalidFileError(
      file,
      capProblems(sorted, (p) => `${at(p.offset)}${p.message}`),
    );
  };
  const deep = tooDeep(tokens, MAX_POLICY_DEPTH);
  if (deep !== undefined) {
    fail([{ offset: deep, message: `nested more than ${MAX_POLICY_DEPTH} levels deep` }]);
  }
  // Duplicate keys are found below in linear time (the yaml package compares each key with
  // every earlier one, which takes minutes on a map with 100 000 keys).
  const composer = new Composer({ uniqueKeys: false });
  const problems: Problem[] = [];
  let doc: Document.Parsed | undefined;
  if (stoppedAt !== undefined) {
    const { line } = lines.linePos(stoppedAt);
    problems.push({ offset: -1, message: `too many syntax errors: stopped reading at line ${line}` });
  }
  for (const d of composer.compose(tokens, true, stoppedAt ?? text.length)) {
    if (!doc) doc = d;
    else {
      problems.push({
        offset: d.range[0],
        message: 'a second YAML document ("---"): a policy file is one document',
      });
      break;
    }
  }
  if (!doc) return problems.length > 0 ? fail(problems) : undefined;
  for (const e of doc.errors) {
    problems.push({ offset: e.pos[0], message: (e.message.split('\n')[0] ?? '').trim() });
  }
  const aliases = checkNodes(doc.contents, problems);
  if (aliases > MAX_POLICY_ALIASES) {
    problems.push({
      offset: -1,
      message: `${aliases} aliases (*name); at most ${MAX_POLICY_ALIASES} are allowed`,
    });
  }
  if (problems.length > 0) fail(problems);
  try {
    return doc.toJS({ maxAliasCount: MAX_POLICY_ALIASES });
  } catch (e) {
    const bomb = /excessive alias count/i.test((e as Error).message);
    return fail([
      {
        offset: -1,
        message: bomb
          ? `aliases (*name) would copy more than ${MAX_POLICY_ALIASES} nodes: an alias bomb?`
          : `cannot be read as data: ${(e as Error).message}`,
      },
    ]);
  }
}

/**
 * The offset of the first `[` or `{` nested deeper than `limit`, from the lexer alone: it stops
 * there, before the parser builds a million-deep tree from "[[[[…".
 */
function tooDeepFlow(text: string, limit: number): number | undefined {
  let opening = 0;
  for (let i = text.indexOf('['); i >= 0 && opening <= limit; i = text.indexOf('[', i + 1)) opening++;
  for (let i = text.indexOf('{'); i >= 0 && opening <= limit; i = text.indexOf('{', i + 1)) opening++;
  if (opening <= limit) return undefined; // too few brackets to nest that deep: skip the lexer
  let depth = 0;
  let offset = 0;
  let scalarNext = false;
  for (const token of new Lexer().lex(text)) {
    if (scalarNext) scalarNext = false;
    else if (token === CST.SCALAR) scalarNext = true;
    else if (token === '[' || token === '{') {
      depth += 1;
      if (depth > limit) return offset;
    } else if (token === ']' || token === '}') depth = Math.max(0, depth - 1);
    // the lexer's markers (document, scalar, flow end) are not in the text
    if (token !== CST.SCALAR && token !== CST.DOCUMENT && token !== CST.FLOW_END) offset += token.length;
  }
  return undefined;
}

/** The offset of the first collection nested deeper than `limit`, walking the CST without recursion. */
function tooDeep(tokens: CST.Token[], limit: number): number | undefined {
  const stack: [CST.Token, number][] = tokens.map((t) => [t, 0]);
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [token, depth] = next;
    if (token.type === 'document') {
      if (token.value) stack.push([token.value, depth]);
    } else if (CST.isCollection(token)) {
      if (depth >= limit) return token.offset;
      for (const item of token.items) {
        if (item.key) stack.push([item.key, depth + 1]);
        if (item.value) stack.push([item.value, depth + 1]);
      }
    }
  }
  return undefined;
}

/**
 * Finds duplicate keys (a set per map), aliases whose anchor is not defined before them, and
 * aliases inside the node they name (a cycle); counts aliases. Depth is bounded by tooDeep.
 */
function checkNodes(root: unknown, problems: Problem[]): number {
  const latest = new Map<string, unknown>();
  const open = new Set<unknown>();
  let aliases = 0;
  const visit = (node: unknown): void => {
    if (isAlias(node)) {
      aliases += 1;
      const target = latest.get(node.source);
      const offset = node.range?.[0] ?? -1;
      if (target === undefined) {
        problems.push({
          offset,
          message: `unresolved alias *${node.source} (define &${node.source} before it)`,
        });
      } else if (open.has(target)) {
        problems.push({ offset, message: `alias *${node.source} is inside the node it names (a cycle)` });
      }
      return;
    }
    if (!isNode(node)) return;
    if (node.anchor) latest.set(node.anchor, node);
    if (!isMap(node) && !isSeq(node)) return;
    open.add(node);
    const keys = isMap(node) ? new Set<unknown>() : undefined;
    for (const item of node.items) {
      if (!isPair(item)) {
        visit(item);
        continue;
      }
      visit(item.key);
      if (keys && isScalar(item.key) && !Number.isNaN(item.key.value)) {
        if (keys.has(item.key.value)) {
          problems.push({ offset: item.key.range?.[0] ?? -1, message: 'Map keys must be unique' });
        } else keys.add(item.key.value);
      }
      visit(item.value);
    }
    open.delete(node);
  };
  visit(root);
  return aliases;
}

/** The first MAX_PROBLEMS schema issues as lines (the rest counted), each key list cut to 10. */
function schemaProblems(error: ZodError): string[] {
  const known = (path: readonly PropertyKey[]) => knownKeys(policyFileSchema, path);
  return capProblems(error.issues, (issue) => {
    const long = issue.code === 'unrecognized_keys' && issue.keys.length > 10;
    const shown = long ? { ...issue, keys: issue.keys.slice(0, 10) } : issue;
    const [line = ''] = formatIssues(new ZodError([shown]), known);
    return long ? `${line} and ${issue.keys.length - 10} more` : line;
  });
}

function normalise(name: string, p: ParsedPolicy): Policy {
  // validated by the schema, so parseFrequency cannot fail here
  const freq = parseFrequency(p.frequency) ?? { maxGapHours: 24, scheduleExpression: 'cron(0 5 ? * * *)' };
  return {
    ...p,
    name,
    planName: p.plan ?? `backup-sentinel-${name}`,
    vaultName: p.vault ?? `backup-sentinel-${name}`,
    maxGapHours: freq.maxGapHours,
    scheduleExpression: freq.scheduleExpression,
    rpoHours: p.rpoHours ?? freq.maxGapHours * 2,
    s3: { ...p.s3, noncurrentVersionExpirationDays: p.s3.noncurrentVersionExpirationDays ?? p.retentionDays },
  };
}
