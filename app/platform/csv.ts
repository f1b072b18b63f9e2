// CSV for downloads (RFC 4180: CRLF lines, quoted when needed), safe to open in a spreadsheet: a cell a
// user could have typed that starts like a formula (= + - @, tab, carriage return) is prefixed with an
// apostrophe, so Excel, LibreOffice and Google Sheets show it as text instead of running it (OWASP,
// "CSV Injection"). Numbers are written as numbers, so negative figures stay numbers.

export type CsvValue = string | number | null | undefined;

export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(header: string[], rows: CsvValue[][]): string {
  return `${[header, ...rows].map((row) => row.map(csvCell).join(",")).join("\r\n")}\r\n`;
}

/** A CSV download named `filename` (ASCII letters, digits, dots and dashes only). */
export function csvResponse(filename: string, csv: string): Response {
  return new Response(csv, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename.replace(/[^\w.-]/g, "-")}"`,
      "Cache-Control": "no-store",
    },
  });
}
