/** Types of ./build-stamp.mjs (plain JavaScript: it runs before any TypeScript loads). */
export declare const CODE_DIRS: readonly string[];
export declare const BUILD_DIR: string;
export declare const STAMP_FILE: string;
export declare const PACKAGE_ROOT: string;
export interface BuildStamp {
  readonly fingerprint: string;
  readonly files?: number;
  readonly builtAt?: string;
  readonly esbuild?: string;
}
export declare function sourceFiles(root: string): string[];
export declare function sourceFingerprint(root: string, files?: readonly string[]): string;
export declare function readStamp(root: string): BuildStamp | undefined;
export declare function buildIsFresh(root: string): boolean;
export declare function runsBuild(root: string, env?: Readonly<Record<string, string | undefined>>): boolean;
