// The messages the e-mail flows send. Every link is built from env.APP_URL (never from the request's
// Host header, which a client controls), and each message says what to do if the reader did not ask.

import type { RouterContextProvider } from "react-router";
import type { Database } from "../../db/client.ts";
import { composeMail, type MailMessage, mailTransport } from "../mail/mail.server.ts";
import { getDatabase } from "../platform/database.server.ts";
import { requestInfo } from "../platform/request-info.ts";

/** An absolute link to `path` on this instance, e.g. appLink(env, "/reset-password", { token }). */
export function appLink(env: { APP_URL: string }, path: string, query: Record<string, string> = {}): string {
  const url = new URL(path, env.APP_URL);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url.href;
}

interface Named {
  username: string;
}

export function verificationMail(input: {
  env: { APP_URL: string };
  user: Named;
  to: string;
  purpose: "verify-email" | "change-email";
  code: string;
  token: string;
}): MailMessage {
  const { env, user, to, purpose, code, token } = input;
  const action = { label: "Confirm my address", url: appLink(env, "/verify-email", { token }) };
  if (purpose === "change-email") {
    return composeMail({
      to,
      subject: "Confirm your new e-mail address for Alva",
      paragraphs: [
        `Someone signed in to the Alva account @${user.username} asked to use ${to} as its e-mail address.`,
        `If it was you, enter this code on the page that asked for it: ${code} — or use the button below. The code and the link work once, for one hour.`,
        "If it wasn't you, ignore this e-mail: nothing changes unless the code or the link is used.",
      ],
      action,
    });
  }
  return composeMail({
    to,
    subject: "Confirm your e-mail address for Alva",
    paragraphs: [
      `Welcome to Alva, @${user.username}. Please confirm that ${to} is your address.`,
      `Your code: ${code} — enter it on the page that asked for it, or use the button below. The code and the link work once, for one hour.`,
      "If you didn't create an Alva account, ignore this e-mail.",
    ],
    action,
  });
}

export function passwordResetMail(input: {
  env: { APP_URL: string };
  user: Named;
  to: string;
  token: string;
}): MailMessage {
  return composeMail({
    to: input.to,
    subject: "Reset your Alva password",
    paragraphs: [
      `Someone asked to reset the password of the Alva account @${input.user.username}.`,
      "If it was you, choose a new password with the link below. It works once, for one hour.",
      "If it wasn't you, ignore this e-mail: your password stays as it is.",
    ],
    action: { label: "Choose a new password", url: appLink(input.env, "/reset-password", { token: input.token }) },
  });
}

export function passwordChangedMail(input: {
  env: { APP_URL: string };
  user: Named;
  to: string;
  how: "reset" | "changed";
}): MailMessage {
  const how =
    input.how === "reset"
      ? "was reset with a link sent to this address. Every device that was signed in has been signed out."
      : "was changed from the account settings. Every other device that was signed in has been signed out.";
  return composeMail({
    to: input.to,
    subject: "Your Alva password was changed",
    paragraphs: [
      `The password of your Alva account @${input.user.username} ${how}`,
      "If this was you, there is nothing to do. If it wasn't, reset your password now with the link below, and check your account's security log.",
    ],
    action: { label: "Reset my password", url: appLink(input.env, "/forgot-password") },
  });
}

export function emailChangedMail(input: {
  env: { APP_URL: string };
  user: Named;
  to: string;
  newEmail: string;
}): MailMessage {
  return composeMail({
    to: input.to,
    subject: "Your Alva e-mail address was changed",
    paragraphs: [
      `The e-mail address of your Alva account @${input.user.username} was changed from ${input.to} to ${input.newEmail}. Messages about the account now go there.`,
      "If this was you, there is nothing to do. If it wasn't, contact the administrator of this Alva instance right away.",
    ],
    action: { label: "Open Alva", url: appLink(input.env, "/login") },
  });
}

/** To the owner of an address someone else tried to move their account to; the requester learns nothing. */
export function addressInUseMail(input: { env: { APP_URL: string }; to: string }): MailMessage {
  return composeMail({
    to: input.to,
    subject: "Someone tried to use your address on Alva",
    paragraphs: [
      "Someone signed in to another Alva account asked to move it to this e-mail address. Your address already belongs to an account, so nothing changed.",
      "If it was you, you already have an account with this address: sign in to it, or reset its password if you forgot it. If it wasn't, you can ignore this e-mail.",
    ],
    action: { label: "Sign in", url: appLink(input.env, "/login") },
  });
}

/**
 * Runs `work` after the response is sent. Used where the time a mail takes (or whether one is sent
 * at all) must not show in the response, and for notices whose failure must not undo what succeeded.
 * A failure is logged by name and message only (never the mail, which holds links, nor query parameters).
 */
export function afterResponse(context: Readonly<RouterContextProvider>, work: () => Promise<unknown>): void {
  const { ctx, requestId } = context.get(requestInfo);
  ctx.waitUntil(
    work().catch((error: unknown) => {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      // drizzle puts a failed query's parameters in the message (addresses, hashes of codes): drop them.
      const safeMessage = message.replace(/\bparams:[\s\S]*/, "params: (not logged)");
      console.error(
        JSON.stringify({ level: "error", msg: "background work failed", requestId, name, message: safeMessage }),
      );
    }),
  );
}

export function sendMail(db: Database, env: Env, message: MailMessage): Promise<void> {
  return mailTransport(env, db).send(message);
}

/** A notice that goes out after the response: its failure must not turn a done change into an error page. */
export function sendAfterResponse(context: Readonly<RouterContextProvider>, message: MailMessage): void {
  const { env } = context.get(requestInfo);
  afterResponse(context, () => sendMail(getDatabase(context), env, message));
}
