// Shared by the server (exports, the catalogue import) and the web app (the import's password list).
// CSV files the server hands out: UTF-8 with a byte-order mark (so spreadsheet programs read the
// Chinese), CRLF lines, and every cell that a spreadsheet would run as a formula (starting with
// = + - @, tab or CR) prefixed with ' so it opens as the text it is (CSV injection).
import Papa from 'papaparse';

/** A cell a spreadsheet would run: papaparse's own test (`escapeFormulae: true`) misses one spanning several lines. */
const FORMULA = /^[=+\-@\t\r]/;

/** The CSV files' columns and rows as one file. */
export function csvFile(fields: readonly string[], rows: readonly (readonly string[])[]): string {
  return '\ufeff' + Papa.unparse({ fields: [...fields], data: rows.map((r) => [...r]) }, { newline: '\r\n', escapeFormulae: FORMULA });
}

/** A cell of a CSV this server wrote, read back: the ' put before a formula-like cell is taken off again. */
export function csvCellText(cell: string): string {
  return cell.startsWith("'") && FORMULA.test(cell.slice(1)) ? cell.slice(1) : cell;
}
