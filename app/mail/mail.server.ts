// Outgoing e-mail through one interface with two real transports:
//   - Resend's HTTP API when RESEND_API_KEY is set (production),
//   - the development outbox otherwise, in development and tests only: messages are stored in the
//     database, readable at /dev/outbox, and (in development) printed to the console with their links.
// Production without RESEND_API_KEY refuses to send rather than silently dropping mail.

import { eq } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { devOutbox, images, instance, organizations } from "../../db/schema.ts";
import { imageUrl } from "../images/images.server.ts";

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface MailTransport {
  send(message: MailMessage): Promise<void>;
}

export interface MailEnv {
  ENVIRONMENT: string;
  RESEND_API_KEY?: string;
  MAIL_FROM?: string;
  /** The instance's origin: the organization's logo in the HTML part is an absolute URL under it. */
  APP_URL?: string;
}

export class MailNotConfiguredError extends Error {
  override name = "MailNotConfiguredError";
}

export function isDevelopmentLike(env: { ENVIRONMENT: string }): boolean {
  return env.ENVIRONMENT === "development" || env.ENVIRONMENT === "test";
}

export function mailTransport(env: MailEnv, db: Database): MailTransport {
  const transport = bareTransport(env, db);
  return { send: async (message) => transport.send(await signedByOrganization(env, db, message)) };
}

/**
 * Every e-mail is signed with the organization's name from /admin/settings ("— Alva at Acme"), and its
 * HTML part opens with the organization's logo when there is one: an absolute URL under APP_URL, which
 * /images/:id serves without cookies (the logo is public). The plain-text part gets no picture. A
 * failed lookup sends the mail as composed rather than not at all.
 */
async function signedByOrganization(env: MailEnv, db: Database, message: MailMessage): Promise<MailMessage> {
  try {
    const [row] = await db
      .select({ name: organizations.name, logoImageId: images.id })
      .from(instance)
      .innerJoin(organizations, eq(organizations.id, instance.organizationId))
      .leftJoin(images, eq(images.id, organizations.logoImageId))
      .limit(1);
    if (!row) return message;
    const signature = `— Alva at ${row.name}`;
    const html = message.html.replace(/>— Alva<\/p><\/div>$/, `>${escapeHtml(signature)}</p></div>`);
    return {
      ...message,
      text: message.text.replace(/— Alva$/, signature),
      html:
        row.logoImageId && env.APP_URL
          ? withLogo(html, new URL(imageUrl(row.logoImageId, "thumb"), env.APP_URL).href, row.name)
          : html,
    };
  } catch {
    return message;
  }
}

/** The logo above the first paragraph, 40 px high; its alt is the organization's name (nothing else names it up there). */
function withLogo(html: string, src: string, name: string): string {
  const logo = `<p><img src="${escapeHtml(src)}" alt="${escapeHtml(name)}" height="40" style="height:40px;width:auto;border:0"></p>`;
  return html.replace(/^(<div[^>]*>)/, `$1${logo}`);
}

function bareTransport(env: MailEnv, db: Database): MailTransport {
  if (env.RESEND_API_KEY) return resendTransport(env.RESEND_API_KEY, env.MAIL_FROM ?? "Alva <alva@localhost>");
  if (isDevelopmentLike(env)) return outboxTransport(db, env.ENVIRONMENT === "development");
  return {
    async send() {
      throw new MailNotConfiguredError("No mail transport: set RESEND_API_KEY and MAIL_FROM.");
    },
  };
}

function outboxTransport(db: Database, printToConsole: boolean): MailTransport {
  return {
    async send(message) {
      await db.insert(devOutbox).values({ ...message, createdAt: new Date() });
      if (printToConsole) console.log(devConsoleMail(message));
    },
  };
}

/**
 * Development only: the whole point of the outbox is to click these links locally, so they are framed
 * and coloured to stand out among Vite's lines (terminals show the colours; the text reads without).
 */
function devConsoleMail(message: Pick<MailMessage, "to" | "subject" | "text">): string {
  const [bold, link, dim, reset] = ["\x1b[1m", "\x1b[1;36m", "\x1b[2m", "\x1b[0m"];
  const links = message.text.match(/https?:\/\/\S+/g) ?? [];
  return [
    "",
    `${bold}┌─ ✉  Mail to ${message.to}: ${message.subject}${reset}`,
    ...links.map((url) => `│  ${link}${url}${reset}`),
    `└─ ${dim}every message: /dev/outbox${reset}`,
    "",
  ].join("\n");
}

function resendTransport(apiKey: string, from: string): MailTransport {
  return {
    async send(message) {
      const response = await fetch("https://api.resend.com/emails", {
        method: "POST",
        headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
        body: JSON.stringify({
          from,
          to: [message.to],
          subject: message.subject,
          text: message.text,
          html: message.html,
        }),
      });
      if (!response.ok) {
        // The body may echo the recipient; log only the status.
        throw new Error(`Resend refused the message: HTTP ${response.status}`);
      }
    },
  };
}

/** Escapes text for the HTML body. */
export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/** A plain, readable e-mail: paragraphs, and at most one button-like link. */
export function composeMail(input: {
  to: string;
  subject: string;
  paragraphs: string[];
  action?: { label: string; url: string };
}): MailMessage {
  const { to, subject, paragraphs, action } = input;
  const text = [...paragraphs, ...(action ? [`${action.label}: ${action.url}`] : []), "— Alva"].join("\n\n");
  const html = [
    `<div style="font-family:system-ui,sans-serif;max-width:560px;line-height:1.5">`,
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    action
      ? `<p><a href="${escapeHtml(action.url)}" style="background:#5b3fd0;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">${escapeHtml(action.label)}</a></p>`
      : "",
    `<p style="color:#666">— Alva</p></div>`,
  ].join("");
  return { to, subject, text, html };
}
