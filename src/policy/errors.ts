/**
 * Profile problems, each with the position of the offending YAML node, so
 * `taogate profile check` can print `FILE:LINE:COL: message` lines that
 * editors jump to. Lines and columns are 1-based.
 */
export interface ProfileIssue {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

export function formatIssue(issue: ProfileIssue): string {
  return `${issue.file}:${issue.line}:${issue.col}: ${issue.message}`;
}

/** Thrown by parseProfile / loadProfile; carries every problem found, not just the first. */
export class ProfileError extends Error {
  readonly errors: readonly ProfileIssue[];

  constructor(errors: readonly ProfileIssue[]) {
    super(
      errors.length === 1
        ? formatIssue(errors[0]!)
        : `${errors.length} problems in profile:\n${errors.map(formatIssue).join('\n')}`,
    );
    this.name = 'ProfileError';
    this.errors = errors;
  }
}

/** Sorts by position and drops exact duplicates (ajv can report one problem twice). */
export function sortIssues(issues: readonly ProfileIssue[]): ProfileIssue[] {
  const seen = new Set<string>();
  const out: ProfileIssue[] = [];
  for (const i of issues) {
    const key = formatIssue(i);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(i);
  }
  return out.sort((a, b) => a.line - b.line || a.col - b.col);
}
