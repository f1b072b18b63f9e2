// A chat message's text: Markdown through the shared safe renderer (app/ui/markdown.tsx: no raw HTML,
// only safe link targets), with @mentions of the workspace's members (and @alva) highlighted.
import { Markdown } from "../ui/markdown.tsx";

const mention = /(^|[\s(])@([a-z0-9_]{1,32})\b/gi;

/** Wraps known @names in strong emphasis, which the message's styles colour as a mention. */
export function highlightMentions(text: string, members: ReadonlySet<string>): string {
  return text.replace(mention, (whole, before: string, name: string) =>
    members.has(name.toLowerCase()) || name.toLowerCase() === "alva" ? `${before}**@${name}**` : whole,
  );
}

export function MessageText({ text, members }: { text: string; members: ReadonlySet<string> }) {
  return (
    <Markdown className="text-sm [&_strong]:rounded [&_strong]:bg-brand-50 [&_strong]:px-0.5 [&_strong]:text-brand-800 dark:[&_strong]:bg-brand-950 dark:[&_strong]:text-brand-200">
      {highlightMentions(text, members)}
    </Markdown>
  );
}
