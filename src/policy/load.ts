/**
 * Loading a profile: YAML (with positions) -> JSON Schema -> semantic
 * checks -> normalized Profile. Every stage reports ALL its problems as
 * FILE:LINE:COL issues; the semantic checks run once the schema passes
 * (they rely on the shapes it guarantees).
 */
import { readFileSync } from 'node:fs';
import { CheckContext } from './check-context.js';
import { checkActors } from './check-actors.js';
import { checkDevices } from './check-devices.js';
import { checkOpcuaDevices } from './check-opcua-devices.js';
import { checkTags } from './check-tags.js';
import { ProfileError, sortIssues, type ProfileIssue } from './errors.js';
import { normalize } from './normalize.js';
import type { RawProfile } from './raw.js';
import { schemaIssues } from './schema.js';
import { YamlSource } from './source.js';
import type { Profile } from './types.js';

export function parseProfile(text: string, sourceName: string): Profile {
  const result = analyze(text, sourceName);
  if (!result.profile) throw new ProfileError(result.errors);
  return result.profile;
}

export function loadProfile(path: string): Profile {
  return parseProfile(readText(path), path);
}

/** For `taogate profile check FILE`: never throws for a bad profile or an unreadable file. */
export function checkProfileFile(path: string): { ok: boolean; errors: ProfileIssue[] } {
  let text: string;
  try {
    text = readText(path);
  } catch (err) {
    return { ok: false, errors: [{ file: path, line: 1, col: 1, message: (err as Error).message }] };
  }
  const { errors } = analyze(text, path);
  return { ok: errors.length === 0, errors };
}

function analyze(text: string, file: string): { profile?: Profile; errors: ProfileIssue[] } {
  const src = new YamlSource(file, text);
  if (!src.ok) return { errors: sortIssues(src.issues) };
  const schema = schemaIssues(src);
  if (schema.length > 0) return { errors: sortIssues(schema) };
  const ctx = new CheckContext(src, src.data as RawProfile);
  checkOpcuaDevices(ctx);
  checkDevices(ctx);
  checkTags(ctx);
  checkActors(ctx);
  if (ctx.issues.length > 0) return { errors: sortIssues(ctx.issues) };
  return { profile: normalize(ctx.raw, file), errors: [] };
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? 'cannot read profile: no such file' : `cannot read profile: ${(err as Error).message}`, { cause: err });
  }
}
