// Mentions in chat messages: marked only for members and Alva, never inside code or links, and bold
// text stays plain bold.
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { MessageText } from "./message-text.tsx";

const render = (text: string) => renderToStaticMarkup(<MessageText text={text} members={new Set(["ann"])} />);

describe("MessageText", () => {
  it("marks @members and @alva, not strangers, e-mail addresses or bold text", () => {
    const html = render("Hi @Ann and @alva, not @bob nor ann@example.com. **Bold** stays bold.");
    expect(html).toContain('<mark class="mention">@Ann</mark>');
    expect(html).toContain('<mark class="mention">@alva</mark>');
    expect(html).not.toContain("@bob</mark>");
    expect(html).toContain("ann@example.com");
    expect(html).toContain("<strong>Bold</strong>");
    expect(html.match(/<mark/g)).toHaveLength(2);
  });

  it("leaves mentions inside code alone and still drops raw HTML", () => {
    const html = render("`@ann` in code, <img src=x onerror=alert(1)> (@ann)");
    expect(html).toContain("<code");
    expect(html).toContain("@ann</code>");
    expect(html).toContain('(<mark class="mention">@ann</mark>)');
    expect(html).not.toContain("<img");
  });
});
