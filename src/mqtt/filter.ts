/**
 * Pure MQTT 3.1.1 topic and topic-filter math (section 4.7), no I/O.
 *
 * A pattern is the ACL's shape of a topic set: literal levels, `+` (any one
 * level), `{username}` / `{gatewayId}` (exactly the caller's own value) and a
 * trailing `#` (zero or more further levels). `covers(pattern, filter)`
 * answers "is EVERY topic the filter can match inside the pattern's set?";
 * a plain topic is a filter that matches itself, so the same check serves
 * publish and subscribe.
 */

export type PatternLevel =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'any' } // `+`: any value of one level
  | { readonly kind: 'own'; readonly field: 'username' | 'gatewayId' }
  | { readonly kind: 'rest' }; // `#`: zero or more levels, last only

export type Pattern = readonly PatternLevel[];

/** Values that `own` levels compare against. */
export interface OwnValues {
  readonly username: string;
  readonly gatewayId?: string | undefined;
}

/** Parse `taogate/v1/decision/{username}/#` into levels. Throws on a malformed pattern (a programming error). */
export function parsePattern(text: string): Pattern {
  const levels = text.split('/');
  return levels.map((level, i): PatternLevel => {
    if (level === '#') {
      if (i !== levels.length - 1) throw new Error(`pattern ${text}: '#' must be the last level`);
      return { kind: 'rest' };
    }
    if (level === '+') return { kind: 'any' };
    if (level === '{username}') return { kind: 'own', field: 'username' };
    if (level === '{gatewayId}') return { kind: 'own', field: 'gatewayId' };
    if (/[+#{}]/.test(level)) throw new Error(`pattern ${text}: bad level '${level}'`);
    return { kind: 'literal', value: level };
  });
}

/** MQTT-4.7.1-2/-3: `#` only as the whole last level, `+` only as a whole level; MQTT-4.7.3-1: not empty. */
export function isValidFilter(filter: string): boolean {
  if (filter.length === 0 || filter.length > 65535) return false; // MQTT-4.7.3-1, 1.5.3 string length
  if (filter.includes('\u0000')) return false; // MQTT-1.5.3-2
  const levels = filter.split('/');
  return levels.every((level, i) => {
    if (level === '#') return i === levels.length - 1;
    if (level === '+') return true;
    return !level.includes('#') && !level.includes('+');
  });
}

/** A topic name (PUBLISH) carries no wildcard at all (MQTT-3.3.2-2). */
export function isValidTopicName(topic: string): boolean {
  return isValidFilter(topic) && !topic.includes('+') && !topic.includes('#');
}

/** Does the concrete `topic` match the subscription `filter`? (MQTT 4.7) */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  // MQTT-4.7.2-1: a wildcard first level does not match topics starting with '$'
  if ((f[0] === '#' || f[0] === '+') && topic.startsWith('$')) return false;
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true; // also matches the parent level (4.7.1.2)
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * True when every topic matched by `filter` is in the pattern's set, given the
 * caller's own values. Conservative: a filter spanning two patterns is
 * refused even if their union would cover it (never the other way round).
 */
export function covers(pattern: Pattern, filter: string, own: OwnValues): boolean {
  if (!isValidFilter(filter)) return false;
  const f = filter.split('/');
  // MQTT-4.7.2-1: patterns here never start with '$', and a wildcard-first filter
  // cannot match '$' topics, so no special case is needed beyond literal compare.
  let i = 0;
  for (const p of pattern) {
    if (p.kind === 'rest') return true; // everything from here down is allowed
    const level = f[i];
    if (level === undefined || level === '#') return false; // filter ends early or reaches deeper than the pattern
    if (level === '+') {
      if (p.kind !== 'any') return false; // '+' matches any value: only `any` covers all of them
    } else if (!levelCovers(p, level, own)) {
      return false;
    }
    i++;
  }
  return i === f.length; // the filter must not be longer than the pattern
}

function levelCovers(p: PatternLevel, level: string, own: OwnValues): boolean {
  switch (p.kind) {
    case 'literal':
      return p.value === level;
    case 'any':
      return true;
    case 'own': {
      const mine = own[p.field];
      return mine !== undefined && mine !== '' && mine === level;
    }
    case 'rest':
      return true;
  }
}
