/**
 * `svsm measure` (placeholder until the launch-digest calculator lands).
 * @module
 */
import { EXIT_USAGE, printError, type Subcommand } from "./common.ts";

const measure: Subcommand = {
  summary: "launch digest from a launch description (not yet available)",
  help: "usage: svsm measure LAUNCH.json [--steps]",
  run(): Promise<number> {
    printError("measure is not implemented yet");
    return Promise.resolve(EXIT_USAGE);
  },
};
export default measure;
