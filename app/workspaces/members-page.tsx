// GET/POST /workspaces/:workspaceId/members — who is in the workspace, and (for owners) invitations,
// removing members and transferring ownership; any member can leave. Every form is a plain post
// (no JavaScript needed); the workspace id comes from the URL and is checked against the user's
// memberships before anything else (not a member → 404).
import { getFormProps, type SubmissionResult, useForm } from "@conform-to/react";
import { data, Form, redirect } from "react-router";
import { z } from "zod";
import { requireUser } from "../accounts/auth.server.ts";
import { withDatabase } from "../platform/database.server.ts";
import { parseForm } from "../platform/forms.server.ts";
import { requestInfo } from "../platform/request-info.ts";
import { toastCookie } from "../platform/toast.server.ts";
import { formatTime } from "../settings/format.ts";
import { Field } from "../ui/form-field.tsx";
import type { Route } from "./+types/members-page";
import {
  invitationEmail,
  invite,
  listOpenInvitations,
  resendInvitation,
  revokeInvitation,
} from "./invitations.server.ts";
import { listMembers, removeMembership, requireMember, requireOwner, transferOwnership } from "./workspaces.server.ts";

export const meta: Route.MetaFunction = ({ loaderData }) => [
  { title: loaderData ? `Members of ${loaderData.workspace.name} — Alva` : "Members — Alva" },
];
export const headers: Route.HeadersFunction = () => ({ "Cache-Control": "no-store" });

export async function loader(args: Route.LoaderArgs) {
  const { user } = requireUser(args);
  return withDatabase(args.context, async (db) => {
    const workspace = await requireMember(args.context, db, args.params.workspaceId, user.id);
    const isOwner = workspace.role === "owner";
    const [members, invitations] = await Promise.all([
      listMembers(db, workspace.workspaceId),
      isOwner ? listOpenInvitations(db, workspace.workspaceId) : Promise.resolve([]),
    ]);
    return {
      workspace,
      isOwner,
      me: user.id,
      members,
      invitations: invitations.map((row) => ({ ...row, expiresAt: row.expiresAt.getTime() })),
    };
  });
}

const actionSchema = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("invite"),
    email: invitationEmail,
  }),
  z.object({ intent: z.enum(["resend", "revoke"]), invitationId: z.uuid() }),
  z.object({ intent: z.enum(["remove", "transfer"]), userId: z.uuid() }),
  z.object({ intent: z.literal("leave") }),
]);

export async function action(args: Route.ActionArgs) {
  const { user } = requireUser(args);
  const { request, params } = args;
  const { env } = args.context.get(requestInfo);
  const submission = await parseForm(args, actionSchema);
  if (submission.status !== "success") return data({ result: submission.reply() }, { status: 400 });
  const input = submission.value;
  const here = `/workspaces/${params.workspaceId}/members`;
  const done = (message: string, to = here) =>
    redirect(to, { headers: { "Set-Cookie": toastCookie(request, { kind: "success", message }) } });
  const refused = (status: number, message: string, headers: HeadersInit = {}) =>
    data({ result: submission.reply({ formErrors: [message] }) }, { status, headers });

  return withDatabase(args.context, async (db) => {
    if (input.intent === "leave") {
      const workspace = await requireMember(args.context, db, params.workspaceId, user.id);
      const left = await removeMembership(db, workspace.workspaceId, user.id);
      return left.ok ? done(`You left ${workspace.name}.`, "/workspaces") : refused(409, left.message);
    }
    const workspace = await requireOwner(args.context, db, params.workspaceId, user.id);
    const inviter = { id: user.id, username: user.username };
    switch (input.intent) {
      case "invite":
      case "resend": {
        const outcome =
          input.intent === "invite"
            ? await invite(env, db, {
                workspaceId: workspace.workspaceId,
                workspaceName: workspace.name,
                email: input.email,
                inviter,
              })
            : await resendInvitation(env, db, {
                workspaceId: workspace.workspaceId,
                workspaceName: workspace.name,
                invitationId: input.invitationId,
                inviter,
              });
        if (!outcome.ok) {
          const retry: Record<string, string> = outcome.retryAfterSeconds
            ? { "Retry-After": String(outcome.retryAfterSeconds) }
            : {};
          return refused(outcome.status, outcome.message, retry);
        }
        return done(`Invitation sent to ${outcome.email}.`);
      }
      case "revoke":
        return (await revokeInvitation(db, workspace.workspaceId, input.invitationId))
          ? done("Invitation revoked: its link no longer works.")
          : refused(400, "That invitation is no longer open.");
      case "remove": {
        const removed = await removeMembership(db, workspace.workspaceId, input.userId);
        return removed.ok ? done("Member removed.") : refused(409, removed.message);
      }
      case "transfer": {
        const moved = await transferOwnership(db, {
          workspaceId: workspace.workspaceId,
          fromUserId: user.id,
          toUserId: input.userId,
        });
        return moved.ok ? done("Ownership transferred.") : refused(400, moved.message);
      }
    }
  });
}

const buttonClass = "rounded-md border border-zinc-300 px-2 py-1 text-sm hover:bg-zinc-50 dark:border-zinc-700";

function IntentButton({
  intent,
  name,
  value,
  children,
}: {
  intent: string;
  name?: string;
  value?: string;
  children: string;
}) {
  return (
    <Form method="post" className="inline">
      <input type="hidden" name="intent" value={intent} />
      {name ? <input type="hidden" name={name} value={value} /> : null}
      <button type="submit" className={buttonClass}>
        {children}
      </button>
    </Form>
  );
}

export default function MembersPage({ loaderData, actionData }: Route.ComponentProps) {
  const { workspace, isOwner, me, members, invitations } = loaderData;
  const [form, fields] = useForm<{ email: string }>({
    id: "invite",
    lastResult: (actionData as { result?: SubmissionResult<string[]> } | undefined)?.result,
  });
  const formError = form.errors?.[0];
  return (
    <section className="max-w-3xl space-y-8" aria-labelledby="members-title">
      <header className="space-y-1">
        <h1 id="members-title" className="text-2xl font-semibold tracking-tight">
          {workspace.name}
        </h1>
        <p className="text-zinc-600 dark:text-zinc-400">
          You are {isOwner ? "an owner" : "a member"} of this workspace.
        </p>
      </header>
      {formError ? (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800">
          {formError}
        </p>
      ) : null}

      <section aria-labelledby="members-list" className="space-y-3">
        <h2 id="members-list" className="text-lg font-semibold">
          Members
        </h2>
        <ul className="divide-y divide-zinc-200 dark:divide-zinc-800" data-testid="members">
          {members.map((member) => (
            <li key={member.userId} className="flex flex-wrap items-center justify-between gap-2 py-2">
              <span>
                <strong>{member.displayName ?? member.username}</strong> @{member.username}{" "}
                <span className="text-sm text-zinc-600 dark:text-zinc-400">{member.role}</span>
              </span>
              <span className="flex gap-2">
                {isOwner && member.userId !== me ? (
                  <>
                    <IntentButton intent="transfer" name="userId" value={member.userId}>
                      Make owner
                    </IntentButton>
                    <IntentButton intent="remove" name="userId" value={member.userId}>
                      Remove
                    </IntentButton>
                  </>
                ) : null}
                {member.userId === me ? <IntentButton intent="leave">Leave workspace</IntentButton> : null}
              </span>
            </li>
          ))}
        </ul>
      </section>

      {isOwner ? (
        <section aria-labelledby="invite-title" className="space-y-3">
          <h2 id="invite-title" className="text-lg font-semibold">
            Invite a teammate
          </h2>
          <Form method="post" {...getFormProps(form)} className="flex flex-wrap items-end gap-3">
            <input type="hidden" name="intent" value="invite" />
            <div className="min-w-64 flex-1">
              <Field
                meta={fields.email}
                type="email"
                label="E-mail address"
                hint="They get a link valid for 7 days, usable once, only with an account for this address."
              />
            </div>
            <button
              type="submit"
              className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700"
            >
              Send invitation
            </button>
          </Form>
          {invitations.length > 0 ? (
            <ul className="divide-y divide-zinc-200 dark:divide-zinc-800" data-testid="invitations">
              {invitations.map((invitation) => (
                <li key={invitation.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
                  <span>
                    {invitation.email}{" "}
                    <span className="text-sm text-zinc-600 dark:text-zinc-400">
                      expires {formatTime(invitation.expiresAt)}
                    </span>
                  </span>
                  <span className="flex gap-2">
                    <IntentButton intent="resend" name="invitationId" value={invitation.id}>
                      Resend
                    </IntentButton>
                    <IntentButton intent="revoke" name="invitationId" value={invitation.id}>
                      Revoke
                    </IntentButton>
                  </span>
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      ) : null}
    </section>
  );
}
