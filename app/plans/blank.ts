// "Nothing typed in it", for the generated section form: undefined, "", blank text, or a row (object or
// list) whose every field is blank. The server drops such rows; the page trims them before adding its
// one empty row.
export function isBlank(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === "string") return value.trim() === "";
  if (Array.isArray(value)) return value.every(isBlank);
  if (typeof value === "object") return Object.values(value).every(isBlank);
  return false;
}
