// A chat message's text: Markdown through the shared safe renderer (app/ui/markdown.tsx: no raw HTML,
// only safe link targets), with @mentions of the workspace's members (and @alva) marked. Mentions are
// found in the Markdown's text nodes (a remark plugin), so a mention inside a code span stays code and
// bold text is never mistaken for one.
import type { ReactNode } from "react";
import { Markdown } from "../ui/markdown.tsx";

const mention = /(^|[\s(])@([a-z0-9_]{1,32})\b/gi;

interface TextNode {
  type: "text";
  value: string;
}
interface ParentNode {
  type: string;
  children?: (ParentNode | TextNode)[];
}
interface MentionNode {
  type: "mention";
  data: { hName: "mark"; hProperties: { className: string } };
  children: TextNode[];
}

/** The pieces of `text`: plain runs, and @names that are members (or Alva) as mention nodes. */
export function splitMentions(text: string, members: ReadonlySet<string>): (TextNode | MentionNode)[] {
  const pieces: (TextNode | MentionNode)[] = [];
  let last = 0;
  for (const match of text.matchAll(mention)) {
    const name = match[2]!.toLowerCase();
    if (!members.has(name) && name !== "alva") continue;
    const start = match.index + match[1]!.length;
    if (start > last) pieces.push({ type: "text", value: text.slice(last, start) });
    pieces.push({
      type: "mention",
      data: { hName: "mark", hProperties: { className: "mention" } },
      children: [{ type: "text", value: `@${match[2]}` }],
    });
    last = start + match[2]!.length + 1;
  }
  if (last < text.length) pieces.push({ type: "text", value: text.slice(last) });
  return pieces;
}

function remarkMentions(members: ReadonlySet<string>) {
  const walk = (node: ParentNode) => {
    if (!node.children || node.type === "link" || node.type === "inlineCode" || node.type === "code") return;
    node.children = node.children.flatMap((child) => {
      if (child.type === "text") return splitMentions((child as TextNode).value, members);
      walk(child as ParentNode);
      return [child];
    }) as ParentNode["children"];
  };
  return () => (tree: ParentNode) => walk(tree);
}

export function MessageText({ text, members }: { text: string; members: ReadonlySet<string> }): ReactNode {
  return (
    <Markdown
      className="text-sm [&_mark.mention]:rounded [&_mark.mention]:bg-brand-100 [&_mark.mention]:px-0.5 [&_mark.mention]:font-medium [&_mark.mention]:text-brand-700 dark:[&_mark.mention]:bg-brand-700 dark:[&_mark.mention]:text-brand-50"
      remarkPlugins={[remarkMentions(members)]}
    >
      {text}
    </Markdown>
  );
}
