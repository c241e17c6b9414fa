/**
 * Kernel stack frames and backtraces of the modeled SVSM.
 *
 * COCONUT (kernel/src/debug/stacktrace.rs, svsm-abi.md §15) walks the frame-pointer chain
 * (`[rbp]` = previous RBP, `[rbp + 8]` = return RIP) and symbolizes return addresses. The model
 * has no machine stack, so kernel functions record their frames explicitly: one
 * {@linkcode KernelStack} per CPU, where a function pushes `{module, function, line}` on entry and
 * pops it on exit (a `using` declaration does both). A backtrace is a snapshot of that stack,
 * innermost frame first, printed one line per frame as `  [#n] module::function (file.ts:line)`.
 *
 * The stack also counts the guarded regions the CPU is in: COCONUT's exception table
 * (cpu/extable.rs, svsm-abi.md §14) marks the instructions whose faults are recoverable, and
 * {@linkcode KernelStack.isInGuardedRegion} is the model's answer to "is RIP inside a fixup
 * entry" (see `panic.ts`).
 * @module
 */

/**
 * One modeled kernel frame: where a kernel function was entered.
 *
 * @example
 * ```ts
 * import { Backtrace, type StackFrame } from "./stacktrace.ts";
 * const frame: StackFrame = { module: "protocols::core", function: "core_pvalidate", line: 42 };
 * new Backtrace(0, [frame]).lines(); // ["  [#0] protocols::core::core_pvalidate (protocols/core.ts:42)"]
 * ```
 */
export interface StackFrame {
  /** Module path, `::`-separated as in COCONUT, relative to `lib/svsm` (e.g. `protocols::core`). */
  readonly module: string;
  /** Function name, as the spec or COCONUT names it (e.g. `core_pvalidate`). */
  readonly function: string;
  /** Source line in the module's file. */
  readonly line: number;
}

/**
 * The file a module lives in: `protocols::core` → `protocols/core.ts` (one module per file).
 *
 * @example
 * ```ts
 * import { frameFile } from "./stacktrace.ts";
 * frameFile("protocols::core"); // "protocols/core.ts"
 * ```
 */
export function frameFile(module: string): string {
  return `${module.replaceAll("::", "/")}.ts`;
}

/**
 * One backtrace line in the COCONUT-like format `  [#n] module::function (file.ts:line)`.
 *
 * @example
 * ```ts
 * import { formatFrame } from "./stacktrace.ts";
 * formatFrame({ module: "requests", function: "request_loop", line: 12 }, 0);
 * // "  [#0] requests::request_loop (requests.ts:12)"
 * ```
 */
export function formatFrame(frame: StackFrame, index: number): string {
  return `  [#${index}] ${frame.module}::${frame.function} (${
    frameFile(frame.module)
  }:${frame.line})`;
}

/**
 * A snapshot of one CPU's kernel stack, innermost frame first.
 *
 * @example
 * ```ts
 * import { KernelStack } from "./stacktrace.ts";
 * const stack = new KernelStack(0);
 * stack.push("requests", "request_loop", 12);
 * console.log(stack.backtrace().toString());
 * ```
 */
export class Backtrace {
  /** The CPU whose stack this is. */
  readonly cpuId: number;
  /** Frames, innermost (most recently entered) first. */
  readonly frames: readonly StackFrame[];

  /** Wraps frames (innermost first) taken on `cpuId`. */
  constructor(cpuId: number, frames: readonly StackFrame[]) {
    this.cpuId = cpuId;
    this.frames = frames;
  }

  /** `module::function` of each frame, innermost first (handy for assertions and logs). */
  names(): string[] {
    return this.frames.map((f) => `${f.module}::${f.function}`);
  }

  /** The printed lines, one per frame; `(no kernel frames)` for an empty stack. */
  lines(): string[] {
    if (this.frames.length === 0) return ["  (no kernel frames)"];
    return this.frames.map(formatFrame);
  }

  /** The lines joined with newlines. */
  toString(): string {
    return this.lines().join("\n");
  }
}

/**
 * One CPU's modeled kernel stack. Pushing and popping cost an array store and a counter
 * update (no allocation), so kernel code can frame every function.
 *
 * @example
 * ```ts
 * import { KernelStack } from "./stacktrace.ts";
 * const stack = new KernelStack(1);
 * function corePvalidate(): string[] {
 *   using _frame = stack.frame("protocols::core", "core_pvalidate", 42);
 *   return stack.backtrace().names();
 * }
 * corePvalidate(); // ["protocols::core::core_pvalidate"]
 * stack.depth; // 0 again
 * ```
 */
export class KernelStack {
  /** The CPU this stack belongs to. */
  readonly cpuId: number;
  #modules: string[] = [];
  #functions: string[] = [];
  #lines: number[] = [];
  #depth = 0;
  #guardDepth = 0;
  // One shared disposable per stack, so `using` allocates nothing per call.
  readonly #popFrame: Disposable = { [Symbol.dispose]: () => this.pop() };
  readonly #leaveGuard: Disposable = { [Symbol.dispose]: () => this.#leaveGuarded() };

  /** An empty stack for CPU `cpuId`. */
  constructor(cpuId: number) {
    this.cpuId = cpuId;
  }

  /** Number of frames currently on the stack. */
  get depth(): number {
    return this.#depth;
  }

  /** Enters a kernel function: pushes its frame. Pair with {@linkcode KernelStack.pop}. */
  push(module: string, fn: string, line: number): void {
    const d = this.#depth++;
    this.#modules[d] = module;
    this.#functions[d] = fn;
    this.#lines[d] = line;
  }

  /** Leaves the innermost kernel function. */
  pop(): void {
    if (this.#depth === 0) throw new RangeError(`kernel stack underflow on CPU ${this.cpuId}`);
    this.#depth--;
  }

  /**
   * Pushes a frame and returns a disposable that pops it: `using _f = stack.frame(...)` frames
   * the rest of the enclosing block, also across `await` and when an exception unwinds it.
   */
  frame(module: string, fn: string, line: number): Disposable {
    this.push(module, fn, line);
    return this.#popFrame;
  }

  /**
   * Enters a guarded region (a fixup-table range, svsm-abi.md §14) for the rest of the enclosing
   * block: `using _g = stack.guard()`. Regions nest.
   */
  guard(): Disposable {
    this.#guardDepth++;
    return this.#leaveGuard;
  }

  /** True while the CPU executes inside a guarded region: a fault here is recoverable. */
  isInGuardedRegion(): boolean {
    return this.#guardDepth > 0;
  }

  /** A snapshot of the current frames, innermost first. */
  backtrace(): Backtrace {
    const frames: StackFrame[] = [];
    for (let d = this.#depth - 1; d >= 0; d--) {
      frames.push({ module: this.#modules[d], function: this.#functions[d], line: this.#lines[d] });
    }
    return new Backtrace(this.cpuId, frames);
  }

  #leaveGuarded(): void {
    if (this.#guardDepth === 0) {
      throw new RangeError(`guarded-region underflow on CPU ${this.cpuId}`);
    }
    this.#guardDepth--;
  }
}
