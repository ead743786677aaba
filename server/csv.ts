// CSV files the server hands out: UTF-8 with a byte-order mark (so spreadsheet programs read the
// Chinese), CRLF lines, and every cell that a spreadsheet would run as a formula (starting with
// = + - @, tab or CR) prefixed with ' so it opens as the text it is (CSV injection).
import Papa from 'papaparse';

export function csvFile(fields: readonly string[], rows: readonly (readonly string[])[]): string {
  return '\ufeff' + Papa.unparse({ fields: [...fields], data: rows.map((r) => [...r]) }, { newline: '\r\n', escapeFormulae: true });
}
