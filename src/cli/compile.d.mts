/** Types of ./compile.mjs (plain JavaScript, like the build that uses it). */
export declare const ESBUILD_VERSION: string;
export declare function compileSources(root: string, files: readonly string[], out: string): Promise<void>;
