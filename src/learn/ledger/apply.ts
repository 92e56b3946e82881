/**
 * Writes the proposals into a copy of the enforced profile (yaml's
 * Document API keeps the original comments); each change carries a comment
 * with its evidence, for a person to accept or not (`taogate profile diff`
 * shows what it opens).
 */
import { isMap, isScalar, isSeq, parseDocument, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import type { TagType, WordOrder } from '../../policy/types.js';
import { formatValue, isNumericType } from '../../policy/values.js';
import { decodeRegisters } from '../../policy/registers.js';
import { when } from '../propose/yaml.js';
import type { LedgerLearning, Proposal, Seen } from './denied.js';

const PREFIX = { holding: 'hr', coil: 'coil' } as const;

export function tagNameOf(p: Extract<Proposal, { kind: 'add_tag' }>): string {
  return `${p.device}.${PREFIX[p.table]}${p.address}`;
}

export function applyProposals(profileText: string, learning: LedgerLearning): string {
  const doc = parseDocument(profileText);
  for (const p of learning.proposals) {
    const why = (what: string) => ` proposed by taogate learn --ledger: ${what}; ${evidence(p.seen)}`;
    switch (p.kind) {
      case 'add_actor': {
        doc.setIn(['actors', p.actor], doc.createNode({ kind: 'service', role: p.actor, description: `Modbus master at ${p.source} (proposed from refusals)`, modbus: { sources: [p.source] } }));
        keyComment(doc, ['actors'], p.actor, why(`unknown_actor: ${p.source} wrote ${p.targets.join(', ') || 'something'}; placeholder role and kind, name them`));
        flowIn(doc, ['actors', p.actor, 'modbus']);
        for (const target of p.targets) addRole(doc, target, p.actor, why(`lets ${p.actor} write ${target}`));
        break;
      }
      case 'add_tag': {
        const name = tagNameOf(p);
        const tag: Record<string, unknown> = { device: p.device, type: p.type, description: `${p.table} ${p.address} (proposed from refusals)`, modbus: { table: p.table, address: p.address, ...(p.type === 'bool' ? {} : { word_order: p.wordOrder }) } };
        const nums = p.values.map((v) => valueOf(p.type, p.wordOrder as WordOrder, v)).filter((x): x is number => x !== undefined);
        if (isNumericType(p.type) && nums.length) {
          tag.min = Math.min(...nums);
          tag.max = Math.max(...nums);
        }
        tag.write_roles = p.writers;
        tag.approvals = { count: 0 };
        doc.setIn(['tags', name], doc.createNode(tag));
        keyComment(doc, ['tags'], name, why(`unknown_tag: writes to ${p.table} ${p.address} (${p.values.slice(0, 5).join(' | ')}); type judged from the values, limits exactly what was refused`));
        flowIn(doc, ['tags', name, 'modbus']);
        flowIn(doc, ['tags', name, 'write_roles']);
        flowIn(doc, ['tags', name, 'approvals']);
        break;
      }
      case 'widen_min':
      case 'widen_max': {
        const key = p.kind === 'widen_min' ? 'min' : 'max';
        doc.setIn(['tags', p.tag, key], p.to);
        const n = doc.getIn(['tags', p.tag, key], true) as Node | undefined;
        if (n && isScalar(n)) n.comment = why(`out_of_range: was ${p.from ?? 'unset'}`);
        break;
      }
      case 'add_role':
        addRole(doc, p.tag, p.role, why(`role_not_allowed: ${p.actors.join(', ')} (role ${p.role})`));
        break;
    }
  }
  return doc.toString({ lineWidth: 0 });
}

function addRole(doc: ReturnType<typeof parseDocument>, tag: string, role: string, comment: string): void {
  if (!doc.hasIn(['tags', tag])) return;
  const roles = doc.getIn(['tags', tag, 'write_roles'], true) as YAMLSeq | undefined;
  if (roles && isSeq(roles)) {
    if (roles.items.some((i) => isScalar(i) && i.value === role)) return;
    roles.add(doc.createNode(role));
    roles.comment = comment;
  } else {
    doc.setIn(['tags', tag, 'write_roles'], doc.createNode([role]));
    flowIn(doc, ['tags', tag, 'write_roles']);
    const n = doc.getIn(['tags', tag, 'write_roles'], true) as Node;
    n.comment = comment;
  }
}

function valueOf(type: TagType, order: WordOrder, raw: string): number | undefined {
  if (type === 'bool') return undefined;
  const words = raw.split(',').map(Number);
  const n = decodeRegisters(type, order, words);
  return Number.isFinite(n) ? Number(formatValue(type, n)) : undefined;
}

function keyComment(doc: ReturnType<typeof parseDocument>, path: readonly string[], key: string, text: string): void {
  const map = doc.getIn(path, true) as YAMLMap | undefined;
  const pair = map && isMap(map) ? map.items.find((p: Pair) => isScalar(p.key) ? p.key.value === key : p.key === key) : undefined;
  if (!pair) return;
  if (!isScalar(pair.key)) pair.key = doc.createNode(pair.key);
  (pair.key as Node).commentBefore = text;
}

function flowIn(doc: ReturnType<typeof parseDocument>, path: readonly string[]): void {
  const n = doc.getIn(path, true) as Node | undefined;
  if (n && (isMap(n) || isSeq(n))) n.flow = true;
}

function evidence(s: Seen): string {
  return `${s.count} denied receipt${s.count === 1 ? '' : 's'} (seq ${s.seqs.join(', ')}${s.count > s.seqs.length ? ', ...' : ''}), ${s.count === 1 ? `at ${when(s.firstUs)}` : `first ${when(s.firstUs)}, last ${when(s.lastUs)}`}`;
}
