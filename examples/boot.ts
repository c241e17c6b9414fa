/**
 * Boots the default confidential VM and tells the story (being built).
 * @module
 */
console.log("The machine model is being built; see README.md.");
