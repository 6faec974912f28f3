/**
 * Terminal escape sequences: CSI (colours, cursor moves, erasing: `ESC [ … final`, or the one-byte CSI 0x9B),
 * OSC (titles, hyperlinks: `ESC ] … BEL` or `ESC ] … ESC \`), and the other two-byte escapes (`ESC (B`, `ESC =`);
 * a sequence cut off at the end of the text (output still streaming, or cut at its limit) goes too.
 * A program that colours its output for a terminal (Flask's and Werkzeug's log lines, pytest, rich) sends these
 * whether or not one is attached; a browser draws the ESC byte as a box and the rest as stray text.
 */
const ESCAPES =
  /(?:\u001B\[|\u009B)[0-?]*[ -/]*[@-~]|\u001B\][^\u0007\u001B]*(?:\u0007|\u001B\\)?|(?:\u001B\[|\u009B)[0-?]*[ -/]*$|\u001B[ -/]*[0-~]|\u001B$/g;

/** `text` without terminal escape sequences (colours and cursor codes): what a reader of the console should see. */
export function stripTerminalEscapes(text: string): string {
  return text.includes('\u001B') || text.includes('\u009B') ? text.replace(ESCAPES, '') : text;
}
