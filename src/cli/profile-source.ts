/** Loading the profile a command runs with (default: the bundled demo cell). */
import { ProfileError, formatIssue, loadProfile } from '../policy/index.js';
import type { Profile } from '../policy/types.js';
import { CliError } from './exit.js';
import { packageFile } from '../package-root.js';

export const DEMO_PROFILE = packageFile('profiles/demo-cell.yaml');

export function loadProfileOrExit(path: string = DEMO_PROFILE): Profile {
  try {
    return loadProfile(path);
  } catch (err) {
    if (err instanceof ProfileError) throw new CliError(err.errors.map(formatIssue).join('\n'));
    throw new CliError(`${path}: ${(err as Error).message}`);
  }
}
