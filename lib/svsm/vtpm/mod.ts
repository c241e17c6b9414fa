/** The SVSM vTPM service. @module */
export * from "./vtpm.ts";
