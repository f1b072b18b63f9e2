// The one place Markdown written by someone else (a model, another chat member) becomes HTML. Built
// on react-markdown, which renders to React elements (never innerHTML): raw HTML in the source is
// dropped rather than rendered (no rehype-raw), and link and image addresses go through
// `safeUrl`, which keeps only http(s), mailto and same-site addresses. Images are not rendered at
// all (a model's picture would be a request to a third party); their alt text is kept.
import type { ComponentProps, ReactNode } from "react";
import ReactMarkdown, { type Components, defaultUrlTransform, type Options } from "react-markdown";
import remarkGfm from "remark-gfm";

/** http(s), mailto, fragments and paths on this site; anything else (javascript:, data:, vbscript:) → "". */
export function safeUrl(url: string): string {
  const cleaned = defaultUrlTransform(url.trim());
  if (cleaned === "") return "";
  // defaultUrlTransform also allows irc/xmpp; a marketing plan has no use for them.
  if (/^[a-z][a-z0-9+.-]*:/i.test(cleaned) && !/^(https?|mailto):/i.test(cleaned)) return "";
  return cleaned;
}

const linkClass = "text-brand-700 underline underline-offset-2 dark:text-brand-300";

function SafeLink({ href, children }: ComponentProps<"a">) {
  if (!href) return <span>{children}</span>;
  const external = /^(https?:)?\/\//i.test(href);
  return (
    <a
      href={href}
      className={linkClass}
      rel={external ? "nofollow noopener noreferrer" : undefined}
      target={external ? "_blank" : undefined}
    >
      {children}
    </a>
  );
}

// Headings inside a piece of text sit below the page's own headings (h1 page, h2 section).
const components: Components = {
  a: ({ href, children }) => <SafeLink href={href}>{children}</SafeLink>,
  img: ({ alt }) => (alt ? <span>{alt}</span> : null),
  h1: ({ children }) => <h3 className="text-base font-semibold">{children}</h3>,
  h2: ({ children }) => <h3 className="text-base font-semibold">{children}</h3>,
  h3: ({ children }) => <h4 className="font-semibold">{children}</h4>,
  h4: ({ children }) => <h5 className="font-semibold">{children}</h5>,
  h5: ({ children }) => <h6 className="font-semibold">{children}</h6>,
  h6: ({ children }) => <h6 className="font-semibold">{children}</h6>,
  ul: ({ children }) => <ul className="list-disc space-y-1 pl-5">{children}</ul>,
  ol: ({ children }) => <ol className="list-decimal space-y-1 pl-5">{children}</ol>,
  blockquote: ({ children }) => (
    <blockquote className="border-l-4 border-zinc-300 pl-3 text-zinc-700 dark:border-zinc-700 dark:text-zinc-300">
      {children}
    </blockquote>
  ),
  code: ({ children }) => <code className="rounded bg-zinc-100 px-1 text-sm dark:bg-zinc-800">{children}</code>,
  pre: ({ children }) => (
    <pre className="overflow-x-auto rounded bg-zinc-100 p-3 text-sm dark:bg-zinc-800">{children}</pre>
  ),
  table: ({ children }) => (
    <div className="overflow-x-auto">
      <table className="min-w-full text-sm">{children}</table>
    </div>
  ),
  th: ({ children }) => (
    <th className="border-b border-zinc-300 px-2 py-1 text-left dark:border-zinc-700">{children}</th>
  ),
  td: ({ children }) => <td className="border-b border-zinc-200 px-2 py-1 dark:border-zinc-800">{children}</td>,
};

// Inline text (a list item, a table cell): a paragraph would add a block inside the line.
const inlineComponents: Components = { ...components, p: ({ children }) => <>{children}</> };

export function Markdown({
  children,
  inline = false,
  className,
  remarkPlugins = [],
}: {
  children: string;
  /** One line of text inside a list item or a table cell: no paragraph around it. */
  inline?: boolean;
  className?: string;
  /** Further remark plugins after GFM (chat marks its @mentions with one). */
  remarkPlugins?: Options["remarkPlugins"];
}): ReactNode {
  const rendered = (
    <ReactMarkdown
      remarkPlugins={[remarkGfm, ...(remarkPlugins ?? [])]}
      components={inline ? inlineComponents : components}
      urlTransform={safeUrl}
      skipHtml
    >
      {children}
    </ReactMarkdown>
  );
  if (inline) return rendered;
  return <div className={`space-y-3 break-words ${className ?? ""}`}>{rendered}</div>;
}
