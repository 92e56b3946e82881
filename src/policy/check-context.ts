/** Shared state of the semantic checks: the schema-valid profile, where its nodes are, and the issues found. */
import type { ProfileIssue } from './errors.js';
import type { RawProfile } from './raw.js';
import type { NodePath, YamlSource } from './source.js';

export class CheckContext {
  readonly issues: ProfileIssue[] = [];

  constructor(
    readonly src: YamlSource,
    readonly raw: RawProfile,
  ) {}

  /** Report at the node's value (where = 'key': at its key). */
  error(path: NodePath, message: string, where: 'key' | 'value' = 'value'): void {
    this.issues.push(this.src.issueAt(path, message, where));
  }

  /** Every role some actor holds. */
  actorRoles(): Set<string> {
    return new Set(Object.values(this.raw.actors).map((a) => a.role));
  }

  approverRoles(): Set<string> {
    return new Set(Object.values(this.raw.approvers ?? {}).map((a) => a.role));
  }
}
