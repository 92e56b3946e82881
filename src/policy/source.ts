/**
 * A parsed YAML profile that remembers where every node came from, so later
 * checks (schema, semantics) can point at the exact line and column.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair } from 'yaml';
import type { ProfileIssue } from './errors.js';

export type PathSegment = string | number;
export type NodePath = readonly PathSegment[];

export class YamlSource {
  readonly issues: ProfileIssue[] = [];
  readonly data: unknown;
  private readonly doc: Document.Parsed;
  private readonly lines = new LineCounter();

  constructor(
    readonly file: string,
    private readonly text: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true, strict: true });
    // The parser's recovery after a structural mistake (indentation, an
    // unclosed bracket) produces cascades of follow-up errors: report the
    // first structural error only, plus every duplicate key (those never cascade).
    let structural = false;
    for (const e of [...this.doc.errors, ...this.doc.warnings].sort((a, b) => a.pos[0] - b.pos[0])) {
      if (e.code !== 'DUPLICATE_KEY') {
        if (structural) continue;
        structural = true;
      }
      const [offset, message] = this.explain(e.code, e.message, e.pos[0]);
      this.issues.push(this.issueAtOffset(offset, `YAML: ${message}`));
    }
    let data: unknown;
    if (this.issues.length === 0) {
      try {
        data = this.doc.toJS({ maxAliasCount: 100 });
      } catch (err) {
        this.issues.push(this.issueAtOffset(0, `YAML: ${(err as Error).message}`));
      }
    }
    this.data = data;
  }

  get ok(): boolean {
    return this.issues.length === 0;
  }

  /** The plain value at `path` (after YAML -> JS), or undefined. */
  dataAt(path: NodePath): unknown {
    let v: unknown = this.data;
    for (const seg of path) {
      if (v === null || typeof v !== 'object') return undefined;
      v = (v as Record<string, unknown>)[String(seg)];
    }
    return v;
  }

  /** An issue at the node that `path` names: its key (e.g. a typo) or its value (e.g. a wrong type). */
  issueAt(path: NodePath, message: string, where: 'key' | 'value' = 'value'): ProfileIssue {
    return this.issueAtOffset(this.offsetOf(path, where), message);
  }

  issueAtOffset(offset: number, message: string): ProfileIssue {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line: Math.max(1, line), col: Math.max(1, col), message };
  }

  /**
   * Offset of the node at `path`. `key` prefers the mapping key (so "unknown
   * key" points at the key itself); `value` prefers the value and falls back
   * to the key when the value is empty. Missing nodes resolve to the deepest
   * existing ancestor.
   */
  offsetOf(path: NodePath, where: 'key' | 'value'): number {
    let node: unknown = this.doc.contents;
    let pair: Pair | undefined;
    for (const seg of path) {
      const next = child(node, seg);
      if (!next) break;
      node = next.node;
      pair = next.pair;
    }
    const keyNode = pair?.key as Node | undefined;
    const valueNode = node as Node | null | undefined;
    const first = where === 'key' ? keyNode ?? valueNode : valueNode ?? keyNode;
    const second = where === 'key' ? valueNode : keyNode;
    return first?.range?.[0] ?? second?.range?.[0] ?? 0;
  }

  /** A clearer position and message for the YAML mistakes people make most. */
  private explain(code: string, message: string, offset: number): [number, string] {
    const at = this.skipIndent(offset);
    const lineEnd = this.text.indexOf('\n', at);
    const restOfLine = this.text.slice(at, lineEnd === -1 ? undefined : lineEnd);
    switch (code) {
      case 'DUPLICATE_KEY': {
        const key = /^[^:\n]*/.exec(restOfLine)?.[0].trim();
        return [at, `duplicate key${key ? ` '${key}'` : ''} (map keys must be unique)`];
      }
      case 'TAB_AS_INDENT':
        return [at, 'tab used for indentation (use spaces)'];
      case 'BAD_INDENT':
        return [at, `bad indentation: ${lowerFirst(firstLine(message))}`];
      case 'BLOCK_AS_IMPLICIT_KEY':
      case 'MULTILINE_IMPLICIT_KEY': {
        // "key: value" followed by a line indented deeper than "key": yaml
        // reads the next line as part of the value. Point at that line.
        if (lineEnd !== -1 && !/:(\s|$)/.test(restOfLine)) {
          const next = this.skipIndent(lineEnd + 1);
          if (this.text[next] !== '\n' && next < this.text.length) {
            return [next, 'bad indentation: this line is indented deeper than the key above it'];
          }
        }
        return [at, `${lowerFirst(firstLine(message))} (is a ': ' missing a quote, or a line indented wrongly?)`];
      }
      default:
        return [at, lowerFirst(firstLine(message))];
    }
  }

  /** yaml points some indentation errors at the start of the line; point at the first character instead. */
  private skipIndent(offset: number): number {
    let o = offset;
    while (this.text[o] === ' ') o++;
    return this.text[o] === '\n' || o >= this.text.length ? offset : o;
  }
}

function child(node: unknown, seg: PathSegment): { node: unknown; pair?: Pair } | undefined {
  if (isMap(node)) {
    for (const item of node.items) {
      if (!isPair(item)) continue;
      const k = isScalar(item.key) ? item.key.value : item.key;
      if (String(k) === String(seg)) return { node: item.value, pair: item };
    }
    return undefined;
  }
  if (isSeq(node) && typeof seg === 'number') {
    const item = node.items[seg];
    return item === undefined ? undefined : { node: item };
  }
  if (isSeq(node) && /^\d+$/.test(String(seg))) return child(node, Number(seg));
  return undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
